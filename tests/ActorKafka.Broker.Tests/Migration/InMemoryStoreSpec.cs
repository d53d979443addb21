using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Broker.Tests.Migration;

/// <summary>A TestKit whose ActorSystem hosts the coordination store on Akka's in-memory journal, with a client for the test.</summary>
public abstract class InMemoryStoreSpec : TestKit
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private const string Hocon = """
        akka.loglevel = WARNING
        actorkafka.coordination.store.journal-plugin = "akka.persistence.journal.inmem"
        actorkafka.coordination.store.snapshot-plugin = "akka.persistence.snapshot-store.inmem"
        actorkafka.coordination.store.tick-time = 50ms
        actorkafka.coordination.store.min-session-timeout = 300ms
        actorkafka.coordination.client.session-timeout = 5s
        actorkafka.coordination.client.request-timeout = 5s
        actorkafka.coordination.client.reconnect-interval = 50ms
        """;

    protected InMemoryStoreSpec(string systemName, string extraHocon = "")
        : base(ConfigurationFactory.ParseString(extraHocon + "\n" + Hocon).WithFallback(StorePersistence.CoordinationDefaults), systemName)
    {
        Sys.StartCoordinationStore();
        ClientSettings = ClientSettings.From(Sys.Settings.Config);
        Client = Sys.ActorOf(CoordinationClient.Props(ClientSettings, owner: null, watcher: CreateTestProbe().Ref), "test-client");
        Client.Ask<SessionInfo>(GetSession.Instance, Bound).Wait(Bound);
    }

    protected ClientSettings ClientSettings { get; }

    /// <summary>The test's own session with the store (plays the operator, or a KRaft controller's writes).</summary>
    protected IActorRef Client { get; }

    protected ZkResponse Request(ZkRequest request) => Client.RequestAsync(request, Bound).Result;

    protected T Send<T>(ZkRequest request) where T : ZkResponse => Client.SendAsync<T>(request, Bound).Result;

    protected bool Exists(string path) => Send<ExistsResponse>(new ExistsRequest(path)).Stat is not null;

    protected void EnsurePath(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 1; i <= parts.Length; i++) Client.EnsurePathAsync("/" + string.Join('/', parts.Take(i)), Bound).Wait(Bound);
    }
}
