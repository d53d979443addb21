using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class BrokerDataTests
{
    private const string Akka = "akka.tcp://actorkafka@127.0.0.1:1234";

    [Fact]
    public void Broker_is_written_in_kafkas_version_5_shape_plus_its_actor_address()
    {
        var broker = new BrokerInfo(1, "kafka1", 9092, "eu-1a", BrokerEpoch: 77, Akka);

        var json = Json.Text(ZkData.EncodeBroker(broker, timestamp: 1700000000000));

        Assert.Equal(
            """{"version":5,"host":"kafka1","port":9092,"endpoints":["PLAINTEXT://kafka1:9092"],"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"jmx_port":-1,"rack":"eu-1a","timestamp":"1700000000000","features":{},"akka_address":"akka.tcp://actorkafka@127.0.0.1:1234"}""",
            json);
    }

    [Fact]
    public void A_broker_without_a_rack_has_no_rack_field_as_in_kafka()
    {
        var json = Json.Text(ZkData.EncodeBroker(new BrokerInfo(1, "h", 1, null, 0, Akka), 0));

        Assert.DoesNotContain("rack", json);
    }

    [Theory]
    [InlineData("eu-1a")]
    [InlineData(null)]
    public void Broker_round_trips_with_its_epoch_taken_from_the_znode(string? rack)
    {
        var broker = new BrokerInfo(4, "10.0.0.4", 19092, rack, BrokerEpoch: 0x1_0000_0005, Akka);

        var decoded = ZkData.DecodeBroker(4, ZkData.EncodeBroker(broker, 123), brokerEpoch: 0x1_0000_0005);

        Assert.Equal(broker, decoded.Value);
    }

    [Fact]
    public void Ipv6_hosts_are_bracketed_in_the_endpoint_and_read_back()
    {
        var broker = new BrokerInfo(2, "::1", 9092, null, 5, Akka);
        var data = ZkData.EncodeBroker(broker, 0);

        Assert.Contains("\"PLAINTEXT://[::1]:9092\"", Json.Text(data));
        Assert.Equal(broker, ZkData.DecodeBroker(2, data, 5).Value);
    }

    [Fact]
    public void A_kafka_written_registration_with_an_actor_address_is_read_from_its_first_endpoint()
    {
        // Kafka's own v5 shape: no PLAINTEXT listener, so the top-level host/port are null/-1.
        var data = Json.Bytes("""
            {"features":{},"listener_security_protocol_map":{"CLIENT":"SSL","REPLICATION":"PLAINTEXT"},
             "endpoints":["CLIENT://host1:9093","REPLICATION://host1:9094"],"jmx_port":9999,"port":-1,
             "host":null,"version":5,"timestamp":"2233345666","rack":"dc1","akka_address":"akka.tcp://actorkafka@host1:4053"}
            """);

        var decoded = ZkData.DecodeBroker(1, data, brokerEpoch: 30);

        Assert.Equal(new BrokerInfo(1, "host1", 9093, "dc1", 30, "akka.tcp://actorkafka@host1:4053"), decoded.Value);
    }

    [Fact]
    public void A_version_1_registration_is_read_from_its_host_and_port()
    {
        var data = Json.Bytes("""{"version":1,"host":"localhost","port":9092,"jmx_port":9999,"timestamp":"2233345666","akka_address":"akka://a"}""");

        Assert.Equal(new BrokerInfo(0, "localhost", 9092, null, 1, "akka://a"), ZkData.DecodeBroker(0, data, 1).Value);
    }

    [Fact]
    public void A_registration_written_by_kafka_itself_has_no_actor_address_and_is_refused()
    {
        var data = Json.Bytes("""{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://host1:9092"],"jmx_port":-1,"port":9092,"host":"host1","version":4,"timestamp":"1"}""");

        var decoded = ZkData.DecodeBroker(9, data, 1);

        Assert.Equal("/brokers/ids/9: missing field 'akka_address'", decoded.Error);
    }

    [Theory]
    [InlineData("""{"version":5,"endpoints":[],"akka_address":"a"}""", "field 'endpoints' is empty")]
    [InlineData("""{"version":5,"endpoints":["host1:9092"],"akka_address":"a"}""", "is not of the form LISTENER://host:port")]
    [InlineData("""{"version":5,"endpoints":"PLAINTEXT://h:1","akka_address":"a"}""", "field 'endpoints' must be an array")]
    [InlineData("""{"version":5,"endpoints":[7],"akka_address":"a"}""", "endpoint must be a string")]
    [InlineData("""{"version":0,"host":"h","port":1}""", "unsupported broker registration version 0")]
    [InlineData("""{"host":"h","port":1}""", "missing field 'version'")]
    [InlineData("""{"version":5,"endpoints":["PLAINTEXT://h:1"],"rack":7,"akka_address":"a"}""", "field 'rack' must be a string")]
    public void Malformed_registrations_are_failures_naming_the_broker(string json, string problem)
    {
        var decoded = ZkData.DecodeBroker(3, Json.Bytes(json), 1);

        Assert.False(decoded.IsSuccess);
        Assert.StartsWith("/brokers/ids/3: ", decoded.Error);
        Assert.Contains(problem, decoded.Error);
    }
}
