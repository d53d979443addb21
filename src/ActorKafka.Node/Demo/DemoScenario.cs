using System.Text.Json.Nodes;
using ActorKafka.Coordination;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Node.Demo;

/// <summary>
/// Three members register as brokers 1-3, a fourth trying id 2 is refused, member 3 is stopped
/// and the observer's watch reports broker 3 lost; then the surviving registrations.
/// </summary>
internal sealed class DemoScenario(EmbeddedCluster cluster, Timeline timeline)
{
    private static readonly int[] BrokerIds = [1, 2, 3];
    private const int DuplicateId = 2;
    private const int LostId = 3;

    /// <summary>Far above what fast failure detection needs (a second or two), far below "hung".</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public async Task RunAsync()
    {
        var settings = cluster.ClientSettings();
        timeline.Note($"coordination store up at {cluster.StoreAddress} (data dir {cluster.DataDir})");
        var admin = await CoordinationSession.OpenAsync(cluster.StoreSystem, settings).ConfigureAwait(false);
        var observer = await BrokerIdsObserver.StartAsync(
            await CoordinationSession.OpenAsync(cluster.StoreSystem, settings).ConfigureAwait(false), timeline).ConfigureAwait(false);
        var brokers = new Dictionary<int, (Registered Registration, ActorSystem Member)>();
        await using (observer.ConfigureAwait(false))
        {
            foreach (var id in BrokerIds)
            {
                var member = await StartMemberAsync(id).ConfigureAwait(false);
                var registration = await DemoBroker.RegisterAsync(member, settings, id).ConfigureAwait(false);
                if (registration is not Registered registered)
                    throw new InvalidOperationException($"broker {id} could not register: {Describe((Refused)registration)} " +
                                                        "(a session from an earlier run on this data dir expires after its timeout)");
                timeline.Event("broker-registered",
                    $"broker {id} registered {registered.Path}: broker epoch {registered.BrokerEpoch} (its czxid), session 0x{registered.Session.SessionId:x}",
                    ("brokerId", id), ("brokerEpoch", registered.BrokerEpoch));
                brokers[id] = (registered, member);
            }
            await observer.WaitUntilAsync(ids => BrokerIds.All(ids.Contains), Bound, "the observer seeing brokers 1, 2 and 3")
                .ConfigureAwait(false);

            await RegisterDuplicateAsync(settings).ConfigureAwait(false);

            var lost = brokers[LostId].Member;
            timeline.Note($"stopping member {LostId} ({AkkaCluster.Get(lost).SelfAddress}): the store death-watches its session's client actor");
            await cluster.StopMemberAsync(lost).ConfigureAwait(false);
            timeline.Note($"member {LostId}'s ActorSystem has terminated");
            await observer.WaitUntilAsync(ids => !ids.Contains(LostId), Bound, $"broker {LostId}'s znode vanishing").ConfigureAwait(false);
            brokers.Remove(LostId);

            await SummarizeAsync(admin).ConfigureAwait(false);
        }
        // Clean shutdown of the survivors: their ephemerals go now, not one session timeout after a restart on the same data dir.
        foreach (var (registration, _) in brokers.Values) await registration.Session.DisposeAsync().ConfigureAwait(false);
        await admin.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<ActorSystem> StartMemberAsync(int number)
    {
        var member = await cluster.StartMemberAsync(hocon: StderrLogger.Hocon).ConfigureAwait(false);
        timeline.Note($"member {number} joined the cluster at {AkkaCluster.Get(member).SelfAddress}");
        return member;
    }

    /// <summary>A second broker configured with a live broker's id: Kafka refuses to start it.</summary>
    private async Task RegisterDuplicateAsync(ClientSettings settings)
    {
        var intruder = await StartMemberAsync(BrokerIds.Length + 1).ConfigureAwait(false);
        var outcome = await DemoBroker.RegisterAsync(intruder, settings, DuplicateId).ConfigureAwait(false);
        if (outcome is not Refused refused)
            throw new InvalidOperationException($"a second broker {DuplicateId} registered {outcome.Path} instead of being refused");
        timeline.Event("broker-registration-rejected",
            $"member {BrokerIds.Length + 1} as broker {DuplicateId} refused to start: {Describe(refused)}",
            ("brokerId", DuplicateId), ("error", refused.Error.ToString()));
        await cluster.StopMemberAsync(intruder).ConfigureAwait(false);
        timeline.Note($"member {BrokerIds.Length + 1} stopped: a broker whose id is taken must not start");
    }

    private static string Describe(Refused refused)
    {
        var holder = refused.HolderSession is { } owner ? $" (session {ShellFormat.Hex(owner)})" : "";
        return $"{refused.Error} {refused.Path}: broker id {refused.BrokerId} is already registered by a live session{holder}";
    }

    private async Task SummarizeAsync(CoordinationSession admin)
    {
        var rows = new List<(int Id, Stat Stat)>();
        foreach (var id in BrokerZnodes.BrokerIds(await admin.GetChildrenAsync(BrokerZnodes.Ids).ConfigureAwait(false)))
            if (await admin.ExistsAsync(BrokerZnodes.IdPath(id)).ConfigureAwait(false) is { } stat)
                rows.Add((id, stat));

        const string format = "  {0,-7} {1,-16} {2,-21} {3}";
        var table = new List<string> { $"{BrokerZnodes.Ids} at the end:", string.Format(null, format, "broker", "znode", "broker epoch (czxid)", "ephemeralOwner") };
        table.AddRange(rows.Select(r => string.Format(null, format, r.Id, BrokerZnodes.IdPath(r.Id),
            $"{r.Stat.Czxid} ({ShellFormat.Hex(r.Stat.Czxid)})", ShellFormat.Hex(r.Stat.EphemeralOwner))));
        var summary = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
        {
            ["brokerId"] = r.Id,
            ["brokerEpoch"] = r.Stat.Czxid,
            ["session"] = r.Stat.EphemeralOwner,
        }).ToArray());
        timeline.Finish(table, ("brokers", summary));
    }
}
