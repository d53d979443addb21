using ActorKafka.Coordination.Tests.Infrastructure;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Coordination.Tests.Cluster;

/// <summary>
/// The session owner lives in another ActorSystem joined to the cluster; the store learns of its
/// death only through remote death-watch (its member removed from the cluster).
/// </summary>
public sealed class RemoteDeathWatchTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDataDir _dir = new();
    private EmbeddedCluster _cluster = null!;
    private TestKit _kit = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EmbeddedCluster.StartAsync(_dir.Path, fastFailureDetection: true, storeHocon: TestConfigs.FastStore);
        _kit = new TestKit(_cluster.StoreSystem);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>An ephemeral created by a session owned by an actor in a new member system.</summary>
    private async Task<ActorSystem> MemberWithEphemeral(string path)
    {
        var member = await _cluster.StartMemberAsync();
        // A long session timeout: only death-watch, not expiry, can end this session within the bound.
        var session = await CoordinationSession.OpenAsync(member, _cluster.ClientSettings(TimeSpan.FromSeconds(30)));
        await session.CreateAsync(path, "member", CreateMode.Ephemeral);
        return member;
    }

    private Akka.TestKit.TestProbe WatchExists(string path)
    {
        var probe = _kit.CreateTestProbe();
        var client = _cluster.StoreSystem.ActorOf(CoordinationClient.Props(_cluster.ClientSettings(), watcher: probe));
        client.Tell(new ExistsRequest(path, Watch: true), probe);
        probe.FishForMessage(m => m is ExistsResponse { Stat: not null }, Bound);
        return probe;
    }

    [Fact]
    public async Task Owner_system_shut_down_ends_its_session()
    {
        var member = await MemberWithEphemeral("/brokers-1");
        var probe = WatchExists("/brokers-1");
        await member.Terminate();
        probe.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDeleted, Path: "/brokers-1" }, Bound);
    }

    [Fact]
    public async Task Owner_node_downed_ends_its_session()
    {
        var member = await MemberWithEphemeral("/brokers-2");
        var probe = WatchExists("/brokers-2");
        AkkaCluster.Get(_cluster.StoreSystem).Down(AkkaCluster.Get(member).SelfAddress);
        probe.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDeleted, Path: "/brokers-2" }, Bound);
        await member.WhenTerminated.WaitAsync(Bound);
    }

    [Fact]
    public async Task Other_members_sessions_are_untouched()
    {
        var leaving = await MemberWithEphemeral("/leaving");
        var staying = await MemberWithEphemeral("/staying");
        var probe = WatchExists("/leaving");
        await leaving.Terminate();
        probe.FishForMessage(m => m is WatchedEvent { Type: WatchEventType.NodeDeleted, Path: "/leaving" }, Bound);
        var observer = await CoordinationSession.OpenAsync(_cluster.StoreSystem, _cluster.ClientSettings());
        Assert.NotNull(await observer.ExistsAsync("/staying"));
        Assert.False(staying.WhenTerminated.IsCompleted);
    }
}
