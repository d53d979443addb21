using System.Text.Json;
using System.Text.RegularExpressions;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using static ActorKafka.Testing.CliRun;
using AkkaCluster = Akka.Cluster.Cluster;

namespace ActorKafka.Migration.Tests.Cli;

/// <summary>`migrate status`, `finalize` and `rollback` against a migration running in this process (<see cref="MigrationCluster"/>).</summary>
public sealed class MigrateCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly string Hocon = NodeConfig.FastSessionsHocon + "\nactorkafka.controller.migration.retry-backoff = 200ms\n";

    /// <summary>
    /// A rolling restart's step: the broker's controlled shutdown (what SIGTERM does), then its node
    /// restarted on its data in <paramref name="mode"/>. Killed outright instead, a broker restarted in
    /// KRaft mode would meet its previous incarnation's registration, still in its session.
    /// </summary>
    private static async Task RollAsync(MigrationCluster cluster, int id, BrokerMode mode)
    {
        var broker = cluster.ZkBrokers.TryGetValue(id, out var zk) ? zk.Broker : cluster.KraftNodes[id].Broker!;
        await broker.Ask<BrokerStopped>(ShutdownBroker.Instance, Bound);
        await cluster.RollBrokerAsync(id, mode);
    }

    /// <summary>
    /// Runs a command that needs the active KRaft controller's driver in <paramref name="state"/>. A busy
    /// machine can delay a voter past its fetch timeout and cause an election the test did not ask for:
    /// a run that fails while a KRaft controller renounced runs again once the next active driver has
    /// reached the state (at most twice more), waiting on events, not on time.
    /// </summary>
    private static async Task<CliOutput> RunSettledAsync(WaitableEvents events, MigrationDriverState state, params string[] args)
    {
        var since = events.LastIndexOf(e => e is MigrationDriverStateChanged s && s.To == state) + 1;
        for (var attempt = 1; ; attempt++)
        {
            var output = await RunAsync(args);
            var renounced = events.LastIndexOf(e => e is ControllerResigned { ControllerId: >= MigrationCluster.FirstControllerId });
            if (output.ExitCode == 0 || renounced < since || attempt == 3) return output;
            since = renounced + 1;
            await events.WaitAsync(e => e is MigrationDriverStateChanged s && s.To == state, $"the next active migration driver to reach {state}", since);
        }
    }

    private static string Controllers(MigrationCluster cluster) =>
        string.Join(",", cluster.Controllers.Select(c => AkkaCluster.Get(c.System).SelfAddress.ToString()));

    [Fact]
    public async Task Status_follows_the_phases_and_finalize_is_refused_until_every_broker_runs_in_kraft_mode_then_commits_post_migration()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        var events = new WaitableEvents();
        try
        {
            await using var cluster = await MigrationCluster.StartAsync(dir, [1], Hocon, beforeRoles: events.Attach);
            await cluster.StartControllersAsync();
            await events.WaitAsync(e => e is MigrationDriverStateChanged { To: MigrationDriverState.WaitForBrokers }, "the driver to wait for the brokers");
            string[] status = ["migrate", "status", "--bootstrap-controllers", Controllers(cluster)];
            string[] finalize = ["migrate", "finalize", "--bootstrap-controllers", Controllers(cluster)];

            var pre = await RunSettledAsync(events, MigrationDriverState.WaitForBrokers, status);
            Assert.True(pre.ExitCode == 0, pre.Shown + events.Story());
            Assert.StartsWith("Phase: PRE_MIGRATION (the KRaft controllers wait for every zk-mode broker", pre.Stdout[0]);
            Assert.Matches(@"^Controller: 300\d, epoch \d+; its migration driver is in WAIT_FOR_BROKERS$", pre.Stdout[1]);
            Assert.StartsWith("zk controller epoch claimed: none yet", pre.Stdout[2]);
            Assert.Equal("Metadata migrated: not yet copied into the log", pre.Stdout[3]);
            Assert.Equal("Brokers: none registered with the controller quorum", pre.Stdout[4]);
            Assert.StartsWith("Next: restart every zk-mode broker, one at a time, with actorkafka.broker.migration.enabled = on", pre.Stdout[5]);

            var tooEarly = await RunSettledAsync(events, MigrationDriverState.WaitForBrokers, finalize);
            Assert.True(tooEarly.ExitCode == 1 && Regex.IsMatch(tooEarly.Stderr,
                @"^actorkafka migrate finalize: controller 300\d refused to finalize the migration: the migration is in PreMigration"), tooEarly.Shown);
            Assert.Contains("See where it stands with 'actorkafka migrate status'", tooEarly.Stderr);

            var mark = events.Count;
            await RollAsync(cluster, 1, BrokerMode.ZkMigrating);
            await events.WaitAsync(e => e is MigrationDriverStateChanged { To: MigrationDriverState.DualWrite }, "the driver to copy the metadata and dual-write", mark);
            var migrating = await RunSettledAsync(events, MigrationDriverState.DualWrite, [.. status, "--json"]);
            Assert.True(migrating.ExitCode == 0, migrating.Shown + events.Story());
            var claimed = (ZkControllerClaimed)events.Snapshot().Last(e => e is ZkControllerClaimed);
            var json = migrating.Json();
            Assert.Equal("MIGRATION", json.GetProperty("phase").GetString());
            Assert.Equal("DUAL_WRITE", json.GetProperty("driverState").GetString());
            Assert.Equal(claimed.ZkControllerEpoch, json.GetProperty("zkControllerEpoch").GetInt32());
            Assert.Equal(claimed.NodeId, json.GetProperty("controller").GetProperty("id").GetInt32());
            Assert.True(json.GetProperty("migratedOffset").GetInt64() >= 0);
            var broker = Assert.Single(json.GetProperty("brokers").EnumerateArray().ToArray());
            Assert.Equal(1, broker.GetProperty("id").GetInt32());
            Assert.Equal("zk", broker.GetProperty("mode").GetString());
            Assert.False(broker.GetProperty("fenced").GetBoolean());

            var zkBrokerLeft = await RunSettledAsync(events, MigrationDriverState.DualWrite, finalize);
            Assert.True(zkBrokerLeft.ExitCode == 1, zkBrokerLeft.Shown);
            Assert.Contains("refused to finalize the migration: brokers 1 still run in zk mode: restart each of them in KRaft mode, then finalize", zkBrokerLeft.Stderr);

            mark = events.Count;
            await RollAsync(cluster, 1, BrokerMode.Kraft);
            await events.WaitAsync(e => e is BrokerUnfenced { BrokerId: 1 }, "broker 1 to be unfenced in KRaft mode", mark);
            var done = await RunSettledAsync(events, MigrationDriverState.DualWrite, finalize);
            Assert.True(done.ExitCode == 0, done.Shown + events.Story());
            var finalized = Regex.Match(done.Stdout[0], @"^Migration finalized: controller (300\d) \(epoch \d+\) committed POST_MIGRATION at offset (\d+)\.$");
            Assert.True(finalized.Success, done.Shown);
            Assert.Contains("there is no way back to zk mode", done.Stdout[1]);
            var announced = (MigrationFinalized)await events.WaitAsync(e => e is MigrationFinalized, "the finalization", mark);
            Assert.Equal(announced.Offset, long.Parse(finalized.Groups[2].Value));

            var again = await RunSettledAsync(events, MigrationDriverState.Finalized, [.. finalize, "--json"]);
            Assert.True(again.ExitCode == 0, again.Shown);
            Assert.True(again.Json().GetProperty("alreadyFinalized").GetBoolean());

            var post = await RunSettledAsync(events, MigrationDriverState.Finalized, status);
            Assert.True(post.ExitCode == 0, post.Shown + events.Story());
            Assert.StartsWith("Phase: POST_MIGRATION", post.Stdout[0]);
            Assert.EndsWith("its migration driver is in FINALIZED", post.Stdout[1]);
            Assert.Matches(@"^  1\s+kraft\s+unfenced$", post.Stdout[6]);
            Assert.StartsWith("Next: nothing", post.Stdout[^1]);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Rollback_with_the_controllers_stopped_says_what_it_deleted_and_the_zk_mode_controllers_elect_again()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N"));
        var events = new WaitableEvents();
        try
        {
            await using var cluster = await MigrationCluster.StartAsync(dir, [1], Hocon, beforeRoles: events.Attach);
            string[] rollback = ["migrate", "rollback", "--store", cluster.Store.StoreAddress.ToString()];

            var nothing = await RunAsync(rollback);
            Assert.True(nothing.ExitCode == 0, nothing.Shown);
            Assert.Equal("Nothing to roll back: the store has no /migration and no KRaft controller holds /controller.", nothing.Stdout[0]);

            await cluster.StartControllersAsync();
            await RollAsync(cluster, 1, BrokerMode.ZkMigrating);
            var copied = (ZkMetadataMigrated)await events.WaitAsync(e => e is ZkMetadataMigrated, "the metadata copy");
            // The zk-mode controller active at the claim keeps no watch on /controller, so it is never told it lost it and would not
            // stand again; a restart leaves a candidate that stood aside for the migration, the kind that elects after a rollback.
            var mark = events.Count;
            await RollAsync(cluster, 1, BrokerMode.ZkMigrating);
            await events.WaitAsync(e => e is ControllerElectionDeferred { ControllerId: 1 }, "broker 1's controller candidate to stand aside", mark);
            foreach (var id in cluster.ControllerIds) await cluster.KillAsync(id);
            // The last claim wrote /migration last (a busy machine can cause a KRaft election, and a claim, the test did not ask for).
            var claimed = (ZkControllerClaimed)events.Snapshot().Last(e => e is ZkControllerClaimed);

            mark = events.Count;
            var rolledBack = await RunAsync(rollback);
            Assert.True(rolledBack.ExitCode == 0, rolledBack.Shown);
            // /controller too while the killed controller's session has not yet run out: the store expires it after its timeout.
            Assert.All(rolledBack.Stdout.Where(l => l.StartsWith("Deleted /controller", StringComparison.Ordinal)), l => Assert.Matches(
                $@"^Deleted /controller: it was held by KRaft controller {claimed.NodeId} \(Raft epoch {claimed.RaftEpoch}\) through a live store session\. ", l));
            var deleted = rolledBack.Stdout.Select(l => Regex.Match(l,
                $@"^Deleted /migration: KRaft controller {claimed.NodeId} \(Raft epoch {claimed.RaftEpoch}\) had the store in step with its log up to offset (\d+)\.$"))
                .SingleOrDefault(m => m.Success);
            Assert.True(deleted is not null, rolledBack.Shown);
            Assert.True(long.Parse(deleted.Groups[1].Value) >= copied.Offset);
            Assert.StartsWith("The zk-mode controller candidates (one on every zk-mode broker) now elect a controller again", rolledBack.Stdout[^1]);

            // The zk-mode controller candidate on broker 1 stands again and wins with an epoch above the KRaft controller's claim.
            var elected = (ControllerElected)await events.WaitAsync(e => e is ControllerElected { ControllerId: 1 }, "broker 1's controller to be elected again", mark);
            Assert.True(elected.Epoch > claimed.ZkControllerEpoch, $"zk controller epoch {elected.Epoch} after the claim of {claimed.ZkControllerEpoch}");

            var again = await RunAsync([.. rollback, "--json"]);
            Assert.True(again.ExitCode == 0, again.Shown);
            var json = again.Json();
            Assert.Equal(0, json.GetProperty("deleted").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, json.GetProperty("migration").ValueKind);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Every broker, controller and migration event of every node, in arrival order, with waits that complete as a matching event arrives.</summary>
    private sealed class WaitableEvents
    {
        private readonly object _gate = new();
        private readonly List<object> _events = new();
        private readonly List<(Func<object, bool> Match, int From, TaskCompletionSource<object> Done)> _waiters = new();

        public int Count
        {
            get { lock (_gate) return _events.Count; }
        }

        /// <summary>The controllers' side of what happened, for a failure's message.</summary>
        public string Story() => Environment.NewLine + string.Join(Environment.NewLine,
            Snapshot().Where(e => e is ControllerEvent or MigrationEvent).Select(e => e.ToString()));

        /// <summary>The index of the last matching event, -1 when none.</summary>
        public int LastIndexOf(Func<object, bool> match)
        {
            lock (_gate) return _events.FindLastIndex(e => match(e));
        }

        public IReadOnlyList<object> Snapshot()
        {
            lock (_gate) return _events.ToArray();
        }

        public void Attach(int nodeId, ActorSystem system)
        {
            var recorder = system.ActorOf(Props.Create(() => new Recorder(this)), "test-event-recorder");
            system.EventStream.Subscribe(recorder, typeof(BrokerEvent));
            system.EventStream.Subscribe(recorder, typeof(ControllerEvent));
            system.EventStream.Subscribe(recorder, typeof(MigrationEvent));
        }

        /// <summary>The first event from index <paramref name="from"/> on that matches, within the bound.</summary>
        public async Task<object> WaitAsync(Func<object, bool> match, string what, int from = 0)
        {
            var done = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_events.Skip(from).FirstOrDefault(match) is { } seen) return seen;
                _waiters.Add((match, from, done));
            }
            try
            {
                return await done.Task.WaitAsync(Bound);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no event within {Bound.TotalSeconds:0} s: waited for {what}; saw {string.Join(", ", Snapshot().Skip(from).Select(e => e.GetType().Name))}");
            }
        }

        private void Add(object e)
        {
            List<(TaskCompletionSource<object> Done, object Event)> ready;
            lock (_gate)
            {
                _events.Add(e);
                ready = _waiters.Where(w => w.Match(e)).Select(w => (w.Done, e)).ToList();
                _waiters.RemoveAll(w => w.Match(e));
            }
            foreach (var (done, seen) in ready) done.TrySetResult(seen);
        }

        private sealed class Recorder : ReceiveActor
        {
            public Recorder(WaitableEvents log) => ReceiveAny(log.Add);
        }
    }
}
