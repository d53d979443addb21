using System.Text.Json.Nodes;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Node.Cli;

namespace ActorKafka.Node.Demo;

/// <summary>How the kraft demo shows each event: the zk demo's JSON vocabulary, plus quorum-leader-elected and metadata-caught-up.</summary>
internal sealed partial class KraftDemoScenario
{
    /// <summary>One event as the timeline shows it: a structured event for the JSON stream, or a note for the text only.</summary>
    private void Print(object e)
    {
        switch (e)
        {
            case QuorumLeaderElected q:
                _timeline.Event("quorum-leader-elected",
                    $"Raft voter {q.ControllerId} won the election for epoch {q.Epoch}: its controller becomes active once the epoch's LeaderChange record commits",
                    ("nodeId", q.ControllerId), ("epoch", q.Epoch));
                break;
            case ControllerElected c:
                _timeline.Event("controller-elected",
                    $"controller {c.ControllerId} is active in epoch {c.Epoch}: its LeaderChange record committed, so its image holds every record before it",
                    ("controllerId", c.ControllerId), ("epoch", c.Epoch));
                break;
            case ControllerResigned r:
                _timeline.Event("controller-lost", $"controller {r.ControllerId} renounced epoch {r.Epoch}: {r.Reason}",
                    ("controllerId", r.ControllerId), ("epoch", r.Epoch), ("reason", r.Reason));
                break;
            case BrokerRegistered r:
                _timeline.Event("broker-registered",
                    $"broker {r.BrokerId} registered: broker epoch {r.BrokerEpoch}, the offset of its RegisterBroker record in the metadata log",
                    ("brokerId", r.BrokerId), ("brokerEpoch", r.BrokerEpoch));
                break;
            case BrokerRegistrationRejected r:
                _timeline.Event("broker-registration-rejected", $"the second broker {r.BrokerId} refused to start: {r.Error}",
                    ("brokerId", r.BrokerId), ("error", r.Error));
                break;
            case MetadataCaughtUp m:
                _timeline.Event("metadata-caught-up",
                    $"broker {m.BrokerId} caught up: it had replayed the metadata log to offset {m.Offset}, past its own registration, when it last heartbeated",
                    ("brokerId", m.BrokerId), ("offset", m.Offset));
                break;
            case BrokerUnfenced u:
                _timeline.Note($"broker {u.BrokerId} unfenced (broker epoch {u.BrokerEpoch}): it may lead partitions and join ISRs");
                break;
            case BrokerFenced f:
                _timeline.Note($"broker {f.BrokerId} fenced (broker epoch {f.BrokerEpoch})");
                break;
            case BrokerLost l:
                _timeline.Event("broker-lost", $"controller {l.ControllerId} fenced broker {l.BrokerId}: no heartbeat within its session timeout",
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
                    $"broker {r.BrokerId} rejected a {r.Request} answer: {kind} epoch {r.StaleEpoch} is stale, it has seen epoch {r.CurrentEpoch}", fields);
                break;
            case ObserverFollows { LeaderId: { } leader } f:
                _timeline.Note($"broker {f.BrokerId}'s Raft observer follows leader {leader} in epoch {f.Epoch}");
                break;
            // Not shown: BrokerStopped (only the refused intruder stops, and its refusal is shown), replica roles, ObserverReplicated.
        }
    }
}
