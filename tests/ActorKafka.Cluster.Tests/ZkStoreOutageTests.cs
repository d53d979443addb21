using ActorKafka.Coordination;
using ActorKafka.Metadata;

namespace ActorKafka.Cluster.Tests;

/// <summary>The coordination store goes away for a while and comes back on the same journal.</summary>
public sealed class ZkStoreOutageTests
{
    [Fact]
    public async Task Requests_fail_with_a_clear_error_while_the_store_is_down_and_the_cluster_carries_on_after()
    {
        await using var h = await ZkClusterHarness.StartAsync(3);
        var controller = h.AwaitController();
        await h.CreateTopicAsync("before", 3, 3);
        h.AwaitPartitions("before", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "online");

        h.Kit.Watch(h.Cluster.Store);
        h.Cluster.StoreSystem.Stop(h.Cluster.Store);
        h.Kit.ExpectTerminated(h.Cluster.Store, ZkClusterHarness.Bound);
        h.Kit.AwaitAssert(() =>
        {
            var down = h.Admin.RequestAsync(new GetDataRequest("/controller")).GetAwaiter().GetResult();
            var error = Assert.IsType<ErrorResponse>(down);
            Assert.Equal(ZkErrorCode.ConnectionLoss, error.Code);
            Assert.Contains("unreachable", error.Message);
        }, ZkClusterHarness.Bound);

        h.Cluster.StoreSystem.StartCoordinationStore();
        // Sessions re-attach within their timeout, so no broker is lost; watches are set again.
        h.Kit.AwaitAssert(() => Assert.IsType<GetChildrenResponse>(h.Admin.RequestAsync(new GetChildrenRequest("/brokers/ids")).GetAwaiter().GetResult()),
            ZkClusterHarness.Bound);
        await h.CreateTopicAsync("after", 3, 3);
        h.AwaitPartitions("after", ps => ps.All(p => p.State is { HasLeader: true, Isr.Count: 3 }), "a topic created after the outage is online");
        Assert.Equal(3, (await h.Admin.GetChildrenAsync("/brokers/ids")).Count);
        h.AwaitLiveLeaders("before");
        h.AssertSafety();
        Assert.All(h.EventsOf<Controller.ControllerElected>(), e => Assert.True(e.Epoch >= controller.Epoch));
    }
}
