using System.Text;
using ActorKafka.Broker;
using ActorKafka.Broker.Clients;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorKafka.Jepsen.Kraft.Tests;

/// <summary>
/// Liveness problems the Jepsen runs ran into, each narrowed to a short scenario: a restarted
/// broker that never gets back to work (no acknowledged record is lost in any of them). A fixed one
/// runs as a regression test; an open one is skipped with the reason.
/// </summary>
public sealed class LivenessFindingsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Kraft_a_broker_restarted_right_after_a_controller_failover_registers()
    {
        // A longer broker session: the restarted broker surely registers while the new controller's fresh sessions last.
        await using var h = await KraftClusterHarness.StartAsync(3, TestReplication.Safe + "\nactorkafka.controller.kraft.broker-session-timeout = 6s");
        const int broker = 3;
        await h.Cluster.KillAsync(broker);
        h.Kit.AwaitAssert(() => Assert.True(h.DescribeCluster().Brokers.Single(b => b.BrokerId == broker).Fenced, $"broker {broker} not fenced yet"),
            KraftClusterHarness.Bound, TimeSpan.FromMilliseconds(100));
        var active = h.AwaitActiveController();
        await h.Cluster.KillAsync(active.NodeId);
        var next = h.AwaitActiveController(active.ActiveEpoch);
        output.WriteLine($"controller {active.NodeId} (epoch {active.ActiveEpoch}) killed, {next.NodeId} active in epoch {next.ActiveEpoch}");
        await h.StartBrokerAsync(broker);
        h.Kit.AwaitAssert(() =>
        {
            var rejected = h.EventsOf<BrokerRegistrationRejected>().FirstOrDefault(r => r.BrokerId == broker);
            Assert.True(rejected is null, $"broker {broker} refused to start: {rejected?.Error}");
            Assert.False(h.DescribeCluster().Brokers.Single(b => b.BrokerId == broker).Fenced, $"broker {broker} is still fenced");
        }, Within, TimeSpan.FromMilliseconds(100));
    }
}
