using ActorKafka.Node.Hosting;
using ActorKafka.Raft;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>A broker's Raft observer now follows this leader in this epoch (the view its broker acts on): demo-only, for the event log.</summary>
internal sealed record ObserverFollows(int BrokerId, int? LeaderId, int Epoch);

/// <summary>A broker's Raft observer delivered its first committed batch of this epoch: it has fetched from that epoch's leader.</summary>
internal sealed record ObserverReplicated(int BrokerId, long Offset, int Epoch);

/// <summary>
/// Tells the demo what each broker's Raft observer reports of the quorum. It subscribes beside
/// the broker, so it hears the same RaftLeaderChanged the broker hears: that is how the demo knows
/// a broker has seen a new controller epoch, without asking the broker again and again.
/// </summary>
internal static class ObserverViews
{
    public static void Watch(KraftNode broker, DemoEventLog log)
    {
        var recorder = broker.System.ActorOf(Props.Create(() => new Recorder(broker.NodeId, log)), "demo-observer-view");
        broker.Raft.Tell(new SubscribeCommitted(recorder));
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(int brokerId, DemoEventLog log)
        {
            RaftLeaderChanged? last = null;
            var replicatedEpoch = -1;
            Receive<RaftLeaderChanged>(view =>
            {
                if (last is null || view.LeaderId != last.LeaderId || view.Epoch != last.Epoch) log.Add(new ObserverFollows(brokerId, view.LeaderId, view.Epoch));
                last = view;
            });
            Receive<CommittedBatch>(batch =>
            {
                if (batch.Epoch <= replicatedEpoch) return;
                replicatedEpoch = batch.Epoch;
                log.Add(new ObserverReplicated(brokerId, batch.Offset, batch.Epoch));
            });
            // Snapshots and SnapshotDue are the broker's to apply and answer; the demo only wants the view.
            ReceiveAny(_ => { });
        }
    }
}
