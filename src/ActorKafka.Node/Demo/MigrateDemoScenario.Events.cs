using System.Text.Json.Nodes;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Controller.Migration;
using ActorKafka.Metadata.Records;
using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;

namespace ActorKafka.Node.Demo;

/// <summary>
/// How the migrate demo shows each event: the zk and kraft demos' JSON vocabulary (with the mode
/// of the node that reported it where both modes use the name), migration-phase for each phase the
/// log enters, and the finer steps of the migration under names of their own.
/// </summary>
internal sealed partial class MigrateDemoScenario
{
    // Only Print touches these, and the event log calls it under its lock, one event at a time.
    private ZkMigrationState _phaseShown = ZkMigrationState.None;
    private readonly HashSet<(int BrokerId, int ControllerEpoch)> _kraftRequestsShown = new();

    /// <summary>One event as the timeline shows it: a structured event for the JSON stream, or a note for the text only.</summary>
    private void Print(object e)
    {
        switch (e)
        {
            case MigrationEvent m:
                PrintMigration(m);
                break;
            case BrokerRegistered r when _modes.GetValueOrDefault(r.BrokerId) == BrokerMode.Kraft:
                _timeline.Event("broker-registered",
                    $"broker {r.BrokerId} registered with the controller quorum in KRaft mode: broker epoch {r.BrokerEpoch}, the offset of its RegisterBroker record",
                    ("brokerId", r.BrokerId), ("brokerEpoch", r.BrokerEpoch), ("mode", "kraft"));
                break;
            case BrokerRegistered r:
                _timeline.Event("broker-registered",
                    $"broker {r.BrokerId} registered /brokers/ids/{r.BrokerId} in zk mode: broker epoch {r.BrokerEpoch} (its czxid), session {ShellFormat.Hex(r.SessionId)}",
                    ("brokerId", r.BrokerId), ("brokerEpoch", r.BrokerEpoch), ("mode", "zk"));
                break;
            case BrokerRegisteredWithQuorum q:
                _timeline.Event("broker-registered-with-quorum",
                    $"zk-mode broker {q.BrokerId} registered with the controller quorum too (controller {q.ControllerId}): " +
                    $"quorum broker epoch {q.BrokerEpoch}; it heartbeats to the quorum beside its store session",
                    ("brokerId", q.BrokerId), ("brokerEpoch", q.BrokerEpoch), ("controllerId", q.ControllerId));
                break;
            case BrokerRegistrationRejected r:
                _timeline.Event("broker-registration-rejected", $"broker {r.BrokerId} refused to start: {r.Error}",
                    ("brokerId", r.BrokerId), ("error", r.Error));
                break;
            case MetadataCaughtUp m:
                _timeline.Event("metadata-caught-up",
                    $"broker {m.BrokerId} caught up: it had replayed the metadata log to offset {m.Offset}, past its own registration",
                    ("brokerId", m.BrokerId), ("offset", m.Offset));
                break;
            case BrokerUnfenced u:
                _timeline.Note($"the quorum unfenced broker {u.BrokerId} (quorum broker epoch {u.BrokerEpoch})");
                break;
            case BrokerFenced f:
                _timeline.Note($"the quorum fenced broker {f.BrokerId} (quorum broker epoch {f.BrokerEpoch})");
                break;
            case QuorumLeaderElected q:
                _timeline.Event("quorum-leader-elected",
                    $"Raft voter {q.ControllerId} won the election for epoch {q.Epoch}: its controller becomes active once the epoch's LeaderChange record commits",
                    ("nodeId", q.ControllerId), ("epoch", q.Epoch));
                break;
            case ControllerElected c:
                _timeline.Event("controller-elected", _controllers.Contains(c.ControllerId)
                        ? $"KRaft controller {c.ControllerId} is active in Raft epoch {c.Epoch}"
                        : $"broker {c.ControllerId} elected zk-mode controller with epoch {c.Epoch}: it created /controller and bumped /controller_epoch in one multi",
                    ("controllerId", c.ControllerId), ("epoch", c.Epoch), ("mode", Mode(c.ControllerId)));
                break;
            case ControllerFailoverCompleted f:
                _timeline.Note($"zk-mode controller {f.ControllerId} (epoch {f.Epoch}) loaded {f.Brokers} live broker(s) and {f.Partitions} partition(s) " +
                               $"in {f.Load.TotalMilliseconds:0} ms and sent every broker UpdateMetadata with its epoch");
                break;
            case ControllerResigned r:
                _timeline.Event("controller-lost", $"{(_controllers.Contains(r.ControllerId) ? "KRaft" : "zk-mode")} controller {r.ControllerId} gave up epoch {r.Epoch}: {r.Reason}",
                    ("controllerId", r.ControllerId), ("epoch", r.Epoch), ("reason", r.Reason), ("mode", Mode(r.ControllerId)));
                break;
            case ControllerElectionDeferred d:
                _timeline.Event("controller-election-deferred", $"zk-mode controller candidate {d.ControllerId} stands aside: {d.Reason}",
                    ("controllerId", d.ControllerId), ("reason", d.Reason));
                break;
            case BrokerJoined j:
                _timeline.Note($"controller {j.ControllerId} sees broker {j.BrokerId} join (broker epoch {j.BrokerEpoch})");
                break;
            case BrokerLost l:
                _timeline.Event("broker-lost", $"controller {l.ControllerId} sees broker {l.BrokerId} gone: it re-elects the leaders it held",
                    ("brokerId", l.BrokerId), ("controllerId", l.ControllerId));
                break;
            case LeaderElected l:
                _timeline.Event("leader-elected",
                    $"controller {l.ControllerId}: {l.Partition} leader {l.Leader}, leader epoch {l.LeaderEpoch}, isr [{AdminFormat.Ids(l.Isr)}]" +
                    (l.Unclean ? " (unclean: the leader was not in the ISR)" : ""),
                    ("topic", l.Partition.Topic), ("partition", l.Partition.Partition), ("leader", l.Leader), ("leaderEpoch", l.LeaderEpoch),
                    ("isr", AdminFormat.IdsJson(l.Isr)), ("controllerId", l.ControllerId));
                break;
            case PartitionOffline o:
                _timeline.Event("partition-offline", $"controller {o.ControllerId}: {o.Partition} is offline, no live replica is in its ISR",
                    ("topic", o.Partition.Topic), ("partition", o.Partition.Partition));
                break;
            case StaleEpochRejected r:
                var kind = r.Kind.ToString().ToLowerInvariant();
                (string, JsonNode?)[] fields =
                [
                    ("receiver", r.BrokerId), ("kind", kind), ("staleEpoch", r.StaleEpoch), ("currentEpoch", r.CurrentEpoch), ("request", r.Request),
                    .. r.Partition is { } partition ? [("topic", partition.Topic), ("partition", partition.Partition)] : Array.Empty<(string, JsonNode?)>(),
                ];
                _timeline.Event("stale-epoch-rejected",
                    $"broker {r.BrokerId} rejected {r.Request}{(r.Partition is { } tp ? $" for {tp}" : "")}: {kind} epoch {r.StaleEpoch} is stale, it knows epoch {r.CurrentEpoch}",
                    fields);
                break;
            case ControlRequestApplied { IsKRaftController: true } a when _kraftRequestsShown.Add((a.BrokerId, a.ControllerEpoch)):
                _timeline.Note($"zk-mode broker {a.BrokerId} applied {a.Request} from KRaft controller {a.ControllerId} (zk controller epoch {a.ControllerEpoch})");
                break;
            case BrokerStopped s:
                _timeline.Note($"broker {s.BrokerId} stopped: {s.Reason}");
                break;
        }
    }

    private void PrintMigration(MigrationEvent e)
    {
        switch (e)
        {
            // A standby's driver starting up idle says nothing worth a line.
            case MigrationDriverStateChanged { From: MigrationDriverState.Uninitialized, To: MigrationDriverState.Inactive }:
                break;
            case MigrationDriverStateChanged s:
                _timeline.Event("migration-step",
                    $"controller {s.NodeId}'s migration driver: {MigrationNames.DriverState(s.From.ToString())} -> {MigrationNames.DriverState(s.To.ToString())}",
                    ("controllerId", s.NodeId), ("from", MigrationNames.DriverState(s.From.ToString())), ("driverState", MigrationNames.DriverState(s.To.ToString())));
                // The driver waits for the brokers only while the log is in PreMigration.
                if (s.To == MigrationDriverState.WaitForBrokers)
                    Phase(ZkMigrationState.PreMigration, s.NodeId, null,
                        $"KRaft controller {s.NodeId} is active and its log is in PRE_MIGRATION: it waits for every zk-mode broker to register with the quorum");
                break;
            case ZkControllerClaimed c:
                _timeline.Event("zk-controller-claimed",
                    $"KRaft controller {c.NodeId} (Raft epoch {c.RaftEpoch}) claimed /controller and bumped /controller_epoch to {c.ZkControllerEpoch} " +
                    "in one multi: the zk-mode controllers are fenced by that epoch",
                    ("controllerId", c.NodeId), ("raftEpoch", c.RaftEpoch), ("zkControllerEpoch", c.ZkControllerEpoch));
                break;
            case ZkMetadataMigrated m:
                _timeline.Event("zk-metadata-migrated",
                    $"KRaft controller {m.NodeId} copied {DemoText.Count(m.Topics, "topic")} and {DemoText.Count(m.Partitions, "partition")} from the store into its log " +
                    $"in {m.Elapsed.TotalMilliseconds:0} ms, as one atomic batch committed at offset {m.Offset}; /migration records the offset",
                    ("controllerId", m.NodeId), ("offset", m.Offset), ("topics", m.Topics), ("partitions", m.Partitions), ("elapsedMs", (long)m.Elapsed.TotalMilliseconds));
                Phase(ZkMigrationState.Migration, m.NodeId, m.Offset,
                    "the metadata is in the log: the KRaft controller runs the cluster and writes every change back to the store (dual write)");
                break;
            case KRaftMetadataSyncedToZk s:
                _timeline.Event("kraft-metadata-synced-to-zk", $"KRaft controller {s.NodeId} brought the store in step with its log at offset {s.Offset} ({DemoText.Count(s.Writes, "write")})",
                    ("controllerId", s.NodeId), ("offset", s.Offset), ("writes", s.Writes));
                break;
            case DualWriteFenced f:
                _timeline.Event("dual-write-fenced", $"KRaft controller {f.NodeId}'s store write was fenced: {f.Reason}",
                    ("controllerId", f.NodeId), ("reason", f.Reason));
                break;
            case MigrationFinalized f:
                Phase(ZkMigrationState.PostMigration, f.NodeId, f.Offset,
                    $"KRaft controller {f.NodeId} committed the migration's end at offset {f.Offset}: the store is no longer written");
                break;
        }
    }

    /// <summary>A phase is shown once, when the log is first seen in it; phases only move forward.</summary>
    private void Phase(ZkMigrationState phase, int controllerId, long? offset, string text)
    {
        if (Order(phase) <= Order(_phaseShown)) return;
        _phaseShown = phase;
        _timeline.Event("migration-phase", $"phase {MigrationNames.Phase(phase)}: {text}",
            ("phase", MigrationNames.Phase(phase)), ("controllerId", controllerId), ("offset", offset));
    }

    private static int Order(ZkMigrationState state) => state switch
    {
        ZkMigrationState.PreMigration => 1,
        ZkMigrationState.Migration => 2,
        ZkMigrationState.PostMigration => 3,
        _ => 0,
    };
}
