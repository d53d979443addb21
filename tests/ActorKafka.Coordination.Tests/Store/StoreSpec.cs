using ActorKafka.Coordination.Tests.Infrastructure;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Coordination.Tests.Store;

/// <summary>A TestKit with the store running on a fresh SQLite file in a temporary data dir.</summary>
public abstract class StoreSpec : TestKit
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    protected StoreSpec(string? extraHocon = null) : this(new TempDataDir(), extraHocon)
    {
    }

    private StoreSpec(TempDataDir dir, string? extraHocon) : base(TestConfigs.LocalStore(dir.Path, extraHocon), "store-spec")
    {
        DataDir = dir;
        Settings = StoreSettings.From(Sys.Settings.Config);
        ClientSettings = ClientSettings.From(Sys.Settings.Config);
        Store = Sys.StartCoordinationStore();
    }

    protected TempDataDir DataDir { get; }
    protected StoreSettings Settings { get; }
    protected ClientSettings ClientSettings { get; }
    protected IActorRef Store { get; set; }

    /// <summary>A client whose watcher and owner is the test actor unless given.</summary>
    protected IActorRef NewClient(IActorRef? owner = null, IActorRef? watcher = null, TimeSpan? sessionTimeout = null)
    {
        var settings = sessionTimeout is null ? ClientSettings : ClientSettings with { SessionTimeout = sessionTimeout.Value };
        var client = Sys.ActorOf(CoordinationClient.Props(settings, owner, watcher ?? TestActor));
        client.Tell(GetSession.Instance, TestActor);
        FishForMessage(m => m is SessionInfo, Bound);
        return client;
    }

    protected T Ask<T>(IActorRef client, ZkRequest request) where T : ZkResponse
    {
        client.Tell(request, TestActor);
        var response = FishForMessage(m => m is ZkResponse, Bound);
        return Assert.IsType<T>(response);
    }

    protected static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>Stops the store actor and starts a new one on the same journal (a crash-restart of the node's store).</summary>
    protected void RestartStore()
    {
        Watch(Store);
        Sys.Stop(Store);
        ExpectTerminated(Store, Bound);
        Store = AwaitStart();
    }

    private IActorRef AwaitStart()
    {
        IActorRef? started = null;
        AwaitAssert(() => started = Sys.ActorOf(CoordinationStore.Props(Settings), Settings.ActorName), Bound, TimeSpan.FromMilliseconds(50));
        return started!;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        DataDir.Dispose();
    }
}
