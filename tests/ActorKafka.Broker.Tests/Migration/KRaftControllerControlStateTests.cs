using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Migration;

/// <summary>
/// A zk-mode broker under a KRaft controller during a migration (KIP-866), on the broker's pure
/// state: the KRaft controller's requests are fenced by the zk controller epoch it claimed, like
/// any controller's, and the broker remembers which kind of controller it follows.
/// </summary>
public sealed class KRaftControllerControlStateTests
{
    private const int Me = 2;
    private const int ZkController = 1;
    private const int KRaftController = 3000;
    private static readonly TopicPartition T0 = new("t", 0);

    private static BrokerControlState Registered() => new(Me) { BrokerEpoch = 100 };

    private static PartitionStateInfo State(int leader, int leaderEpoch, int controllerEpoch, int partitionEpoch = 0, int[]? isr = null) =>
        new("t", 0, controllerEpoch, leader, leaderEpoch, isr ?? [1, 2, 3], partitionEpoch, [1, 2, 3]);

    private static LeaderAndIsrRequest FromZk(int epoch, params PartitionStateInfo[] states) => new(ZkController, epoch, 100, states);

    private static LeaderAndIsrRequest FromKRaft(int epoch, params PartitionStateInfo[] states) =>
        new(KRaftController, epoch, 100, states, IsKRaftController: true);

    [Fact]
    public void A_kraft_controllers_requests_are_applied_and_it_is_remembered_as_a_kraft_controller()
    {
        var broker = Registered();
        broker.Handle(FromZk(5, State(leader: Me, leaderEpoch: 1, controllerEpoch: 5)));
        Assert.False(broker.ControllerIsKRaft);

        var outcome = broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 2, controllerEpoch: 6)));
        Assert.Equal(ControlError.None, outcome.Response.Error);
        Assert.Empty(outcome.Response.PartitionErrors);
        Assert.Equal((KRaftController, 6, true), (broker.ControllerId, broker.ControllerEpoch, broker.ControllerIsKRaft));
        Assert.Equal(2, broker.Replicas[T0].LeaderEpoch);
        Assert.Contains(outcome.Events, e => e is ControlRequestApplied { ControllerId: KRaftController, ControllerEpoch: 6, IsKRaftController: true });

        var metadata = broker.Handle(new UpdateMetadataRequest(KRaftController, 6, 100, [State(Me, 2, 6)], [], IsKRaftController: true));
        Assert.Equal(ControlError.None, metadata.Response.Error);
        Assert.True(broker.ControllerIsKRaft);
        Assert.Contains(metadata.Events, e => e is ControlRequestApplied { Request: nameof(UpdateMetadataRequest), IsKRaftController: true });
    }

    [Fact]
    public void Once_the_kraft_controllers_epoch_is_seen_a_zombie_zk_controller_is_refused()
    {
        var broker = Registered();
        broker.Handle(FromZk(5, State(leader: Me, leaderEpoch: 1, controllerEpoch: 5)));
        broker.Handle(new UpdateMetadataRequest(KRaftController, 6, 100, [], [], IsKRaftController: true));
        var before = broker.Replicas[T0];

        var zombie = broker.Handle(FromZk(5, State(leader: 3, leaderEpoch: 9, controllerEpoch: 5)));
        Assert.Equal(ControlError.StaleControllerEpoch, zombie.Response.Error);
        Assert.Same(before, broker.Replicas[T0]);
        var rejected = Assert.Single(zombie.Events.OfType<StaleEpochRejected>());
        Assert.Equal((StaleEpochKind.Controller, 5L, 6L, nameof(LeaderAndIsrRequest)),
            (rejected.Kind, rejected.StaleEpoch, rejected.CurrentEpoch, rejected.Request));
        Assert.DoesNotContain(zombie.Events, e => e is ControlRequestApplied);

        var metadata = broker.Handle(new UpdateMetadataRequest(ZkController, 5, 100, [State(3, 9, 5)], []));
        Assert.Equal(ControlError.StaleControllerEpoch, metadata.Response.Error);
        Assert.Contains(metadata.Events, e => e is StaleEpochRejected { Kind: StaleEpochKind.Controller, StaleEpoch: 5, CurrentEpoch: 6 });
        Assert.Empty(broker.MetadataCache);
        Assert.Equal((KRaftController, 6, true), (broker.ControllerId, broker.ControllerEpoch, broker.ControllerIsKRaft));
    }

    [Fact]
    public void A_kraft_controller_below_the_epoch_seen_is_refused_like_any_other()
    {
        var broker = Registered();
        broker.Handle(FromKRaft(7, State(leader: Me, leaderEpoch: 1, controllerEpoch: 7)));
        var stale = broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 2, controllerEpoch: 6)));
        Assert.Equal(ControlError.StaleControllerEpoch, stale.Response.Error);
        Assert.Equal(1, broker.Replicas[T0].LeaderEpoch);
        Assert.Contains(stale.Events, e => e is StaleEpochRejected { Kind: StaleEpochKind.Controller, StaleEpoch: 6, CurrentEpoch: 7 });
    }

    [Fact]
    public void A_zk_controller_elected_after_a_rollback_is_followed_as_a_zk_controller_again()
    {
        var broker = Registered();
        broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 1, controllerEpoch: 6)));
        Assert.True(broker.ControllerIsKRaft);

        // The rolled-back zk controller claimed /controller_epoch above the KRaft controller's.
        var metadata = broker.Handle(new UpdateMetadataRequest(ZkController, 7, 100, [], []));
        Assert.Equal(ControlError.None, metadata.Response.Error);
        Assert.False(broker.ControllerIsKRaft);
        Assert.Contains(metadata.Events, e => e is ControlRequestApplied { ControllerEpoch: 7, IsKRaftController: false });

        // StopReplica says nothing of its sender's kind: the kind as last told stands.
        broker.Handle(new StopReplicaRequest(ZkController, 7, 100, [T0], DeletePartitions: false));
        Assert.False(broker.ControllerIsKRaft);
    }

    [Fact]
    public void A_kraft_controllers_alter_partition_answer_is_applied_with_the_leader_epoch_it_chose()
    {
        var broker = Registered();
        broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 4, controllerEpoch: 6, partitionEpoch: 10)));
        var proposal = new ProposeIsrChange(T0, LeaderEpoch: 4, PartitionEpoch: 10, NewIsr: [2, 3]);
        Assert.Null(broker.RefuseIsrChange(proposal, out _));

        // A shrink: the controller bumped the leader epoch too.
        var outcome = broker.CommitAlterPartition(proposal, new IsrChangeResult(T0, ControlError.None, 5, [2, 3], 11));
        Assert.Equal((ControlError.None, 5, 11), (outcome.Response.Error, outcome.Response.LeaderEpoch, outcome.Response.PartitionEpoch));
        Assert.Equal([2, 3], outcome.Response.Isr);
        var view = broker.Replicas[T0];
        Assert.Equal((true, Me, 5, 11), (view.IsLeader, view.Leader, view.LeaderEpoch, view.PartitionEpoch));
        Assert.Equal([2, 3], view.Isr);
        var changed = Assert.Single(outcome.Events.OfType<PartitionStateChanged>());
        Assert.Same(view, changed.Replica);
    }

    [Fact]
    public void An_alter_partition_answer_overtaken_by_a_leader_and_isr_changes_nothing()
    {
        var broker = Registered();
        broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 4, controllerEpoch: 6, partitionEpoch: 10)));
        var proposal = new ProposeIsrChange(T0, 4, 10, [2, 3]);
        // The controller's LeaderAndIsr for the committed change arrives first ...
        broker.Handle(FromKRaft(6, State(leader: Me, leaderEpoch: 5, controllerEpoch: 6, partitionEpoch: 11, isr: [2, 3])));
        var committed = broker.Replicas[T0];

        // ... so the answer is the state already held, and no second event.
        var same = broker.CommitAlterPartition(proposal, new IsrChangeResult(T0, ControlError.None, 5, [2, 3], 11));
        Assert.Equal(ControlError.None, same.Response.Error);
        Assert.Empty(same.Events);
        Assert.Same(committed, broker.Replicas[T0]);

        // A leadership newer than the answer: the answer is fenced and the newer state stays.
        broker.Handle(FromKRaft(6, State(leader: 3, leaderEpoch: 6, controllerEpoch: 6, partitionEpoch: 12)));
        var fenced = broker.CommitAlterPartition(proposal, new IsrChangeResult(T0, ControlError.None, 5, [2, 3], 11));
        Assert.Equal((ControlError.FencedLeaderEpoch, 6, 12), (fenced.Response.Error, fenced.Response.LeaderEpoch, fenced.Response.PartitionEpoch));
        Assert.Empty(fenced.Events);
        Assert.Equal(3, broker.Replicas[T0].Leader);
    }
}
