using Akka.Actor;

namespace ActorKafka.Coordination.Tests.Store;

public sealed class StoreSmokeTests : StoreSpec
{
    [Fact]
    public void Create_then_get_through_the_client()
    {
        var client = NewClient();
        var created = Ask<CreateResponse>(client, new CreateRequest("/a", Bytes("hello")));
        Assert.Equal("/a", created.Path);
        var data = Ask<GetDataResponse>(client, new GetDataRequest("/a"));
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(data.Data));
        Assert.Equal(created.Stat, data.Stat);
    }
}
