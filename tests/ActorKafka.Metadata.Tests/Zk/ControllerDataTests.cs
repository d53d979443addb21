using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class ControllerDataTests
{
    [Fact]
    public void Controller_is_written_in_kafkas_version_2_shape()
    {
        var json = Json.Text(ZkData.EncodeController(new ControllerZNode(3, 1700000000123)));

        Assert.Equal("""{"version":2,"brokerid":3,"timestamp":"1700000000123","kraftControllerEpoch":-1}""", json);
    }

    [Fact]
    public void Controller_round_trips()
    {
        var controller = new ControllerZNode(7, 42, KraftControllerEpoch: 5);

        Assert.Equal(controller, ZkData.DecodeController(ZkData.EncodeController(controller)).Value);
    }

    [Fact]
    public void Kafka_version_1_controller_has_no_kraft_epoch()
    {
        var decoded = ZkData.DecodeController(Json.Bytes("""{"version":1,"brokerid":1,"timestamp":"1563886342218"}"""));

        Assert.Equal(new ControllerZNode(1, 1563886342218, -1), decoded.Value);
    }

    [Fact]
    public void Kraft_controller_registration_written_during_migration_is_read()
    {
        var decoded = ZkData.DecodeController(Json.Bytes("""{"kraftControllerEpoch":12,"version":2,"brokerid":3000,"timestamp":"1693418543021"}"""));

        Assert.Equal(new ControllerZNode(3000, 1693418543021, 12), decoded.Value);
    }

    [Theory]
    [InlineData("""{"version":2,"timestamp":"1"}""", "missing field 'brokerid'")]
    [InlineData("""{"version":2,"brokerid":"3","timestamp":"1"}""", "field 'brokerid' must be a 32-bit integer")]
    [InlineData("""{"version":2,"brokerid":3,"timestamp":"soon"}""", "field 'timestamp' must be milliseconds")]
    [InlineData("""{"version":2,"brokerid":3""", "malformed JSON")]
    public void Malformed_controller_data_is_a_failure_naming_the_path_and_problem(string json, string problem)
    {
        var decoded = ZkData.DecodeController(Json.Bytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.StartsWith("/controller: ", decoded.Error);
        Assert.Contains(problem, decoded.Error);
    }

    [Fact]
    public void Controller_epoch_is_the_integer_as_text()
    {
        Assert.Equal("17", Json.Text(ZkData.EncodeControllerEpoch(17)));
        Assert.Equal(17, ZkData.DecodeControllerEpoch(Json.Bytes("17")).Value);
        Assert.Equal(0, ZkData.DecodeControllerEpoch(ZkData.EncodeControllerEpoch(0)).Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("seven")]
    [InlineData("7 ")]
    [InlineData("99999999999")]
    public void A_controller_epoch_that_is_not_an_integer_is_a_failure(string text)
    {
        var decoded = ZkData.DecodeControllerEpoch(Json.Bytes(text));

        Assert.False(decoded.IsSuccess);
        Assert.Equal($"/controller_epoch: expected an integer, found \"{text}\"", decoded.Error);
    }

    [Fact]
    public void Missing_controller_epoch_data_is_a_failure()
    {
        Assert.False(ZkData.DecodeControllerEpoch(null).IsSuccess);
    }
}
