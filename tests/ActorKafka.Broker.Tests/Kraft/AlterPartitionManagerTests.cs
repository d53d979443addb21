using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Kraft;

/// <summary>The AlterPartition sender as a pure core: batching, one proposal per partition at a time, retries, answers after the log.</summary>
public sealed class AlterPartitionManagerTests
{
    private const int Me = 5;
    private static readonly TopicPartition A = new("orders", 0);
    private static readonly TopicPartition B = new("orders", 1);

    private readonly Dictionary<TopicPartition, int> _applied = new() { [A] = 0, [B] = 0 };
    private long _brokerEpoch = 10;
    private readonly AlterPartitionManager<string> _manager;

    public AlterPartitionManagerTests()
    {
        _manager = new AlterPartitionManager<string>(Me, [1, 2, 3], requestTimeoutMs: 1000, retryBackoffMs: 50, () => _brokerEpoch,
            tp => _applied.TryGetValue(tp, out var epoch) ? epoch : null);
        _manager.OnControllerChanged(1, 4, 0);
    }

    private static ProposeIsrChange Propose(TopicPartition tp, int partitionEpoch, params int[] isr) => new(tp, 0, partitionEpoch, isr);

    private static AlterPartitionRequest Sent(AlterPartitionStep<string> step, int controller = 1)
    {
        Assert.NotNull(step.Send);
        Assert.Equal(controller, step.Send!.ControllerId);
        return Assert.IsType<AlterPartitionRequest>(step.Send.Request);
    }

    private static AlterPartitionResponse Ok(AlterPartitionRequest request, params (TopicPartition Tp, ControlError Error, int[] Isr, int PartitionEpoch)[] results) =>
        new(request.CorrelationId, ControlError.None,
            results.Select(r => new AlterPartitionResult(r.Tp.Topic, r.Tp.Partition, r.Error, Me, 0, r.Isr, r.PartitionEpoch)).ToArray(), 1, 4);

    [Fact]
    public void One_request_in_flight_carries_every_partitions_oldest_proposal_and_later_ones_wait_their_turn()
    {
        var first = Sent(_manager.Submit(Propose(A, 0, Me, 1), "a1", 0));
        Assert.Equal((Me, 10L), (first.BrokerId, first.BrokerEpoch));
        // While it is in flight nothing else goes.
        Assert.Null(_manager.Submit(Propose(A, 1, Me), "a2", 1).Send);
        Assert.Null(_manager.Submit(Propose(B, 0, Me, 2), "b1", 2).Send);

        // Answered: A's first proposal waits for the log; the next request carries A's second and B's first at once.
        _applied[A] = 1;
        var step = _manager.OnResponse(Ok(first, (A, ControlError.None, [Me, 1], 1)), 3);
        var answer = Assert.Single(step.Answers);
        Assert.Equal(("a1", ControlError.None, 1), (answer.ReplyTo, answer.Result.Error, answer.Result.PartitionEpoch));
        var second = Sent(step);
        Assert.Equal([(A.Partition, 1), (B.Partition, 0)], second.Partitions.Select(p => (p.Partition, p.PartitionEpoch)).Order());
        Assert.Equal(2, _manager.Pending);
    }

    [Fact]
    public void A_success_is_answered_once_the_local_replica_has_reached_its_partition_epoch()
    {
        var request = Sent(_manager.Submit(Propose(A, 0, Me), "a", 0));
        Assert.Empty(_manager.OnResponse(Ok(request, (A, ControlError.None, [Me], 1)), 1).Answers);
        Assert.Empty(_manager.OnMetadataApplied(2).Answers);
        _applied[A] = 2;
        Assert.Equal("a", Assert.Single(_manager.OnMetadataApplied(3).Answers).ReplyTo);
        Assert.Equal(0, _manager.Pending);
    }

    [Fact]
    public void Request_level_errors_and_partitions_left_out_are_sent_again_and_stale_answers_are_ignored()
    {
        var first = Sent(_manager.Submit(Propose(A, 0, Me), "a", 0));
        var stale = _manager.OnResponse(new AlterPartitionResponse(first.CorrelationId, ControlError.None, [], 1, 3), 1);
        Assert.Equal(new StaleEpochRejected(Me, StaleEpochKind.Controller, 3, 4, "AlterPartition"), Assert.Single(stale.Events));

        // A stale broker epoch: retried after the backoff with the epoch the lifecycle has by then.
        var refused = _manager.OnResponse(new AlterPartitionResponse(first.CorrelationId, ControlError.StaleBrokerEpoch, [], 1, 4), 2);
        Assert.Null(refused.Send);
        Assert.Equal(52, refused.WakeAt);
        _brokerEpoch = 12;
        var retried = Sent(_manager.OnTick(52));
        Assert.Equal(12, retried.BrokerEpoch);

        // An answer without the partition: it goes again after the backoff.
        var incomplete = _manager.OnResponse(Ok(retried), 53);
        Assert.Empty(incomplete.Answers);
        Assert.Single(incomplete.Warnings);
        Assert.Equal(A.Partition, Assert.Single(Sent(_manager.OnTick(103)).Partitions).Partition);
    }

    [Fact]
    public void Nothing_is_sent_while_unregistered_and_a_timeout_moves_to_the_next_voter()
    {
        _brokerEpoch = -1;
        var waiting = _manager.Submit(Propose(A, 0, Me), "a", 0);
        Assert.Null(waiting.Send);
        Assert.Equal(50, waiting.WakeAt);
        _brokerEpoch = 10;
        var first = Sent(_manager.OnTick(50));

        var timedOut = _manager.OnTick(1050);
        Assert.Null(timedOut.Send);
        Assert.Contains("no answer", Assert.Single(timedOut.Warnings));
        var again = Sent(_manager.OnTick(1100), controller: 2);
        Assert.NotEqual(first.CorrelationId, again.CorrelationId);
        // The late answer to the first request is dropped.
        Assert.Empty(_manager.OnResponse(Ok(first, (A, ControlError.None, [Me], 1)), 1101).Answers);
        Assert.Equal(1, _manager.Pending);
    }

    [Fact]
    public void A_retry_of_a_change_that_already_committed_is_its_success_and_anything_else_is_the_refusal()
    {
        _applied[A] = 4;
        var request = Sent(_manager.Submit(new ProposeIsrChange(A, 2, 3, [Me]), "shrink", 0));
        // The shrink committed (leader epoch bumped to 3, partition epoch 4), its answer was lost: the retry is fenced.
        var fenced = new AlterPartitionResult(A.Topic, A.Partition, ControlError.FencedLeaderEpoch, Me, 3, [Me], 4);
        var answer = Assert.Single(_manager.OnResponse(new AlterPartitionResponse(request.CorrelationId, ControlError.None, [fenced], 1, 4), 1).Answers);
        Assert.Equal((ControlError.None, 3, 4), (answer.Result.Error, answer.Result.LeaderEpoch, answer.Result.PartitionEpoch));

        // Another leader, or another ISR, is a real refusal.
        var other = Sent(_manager.Submit(new ProposeIsrChange(A, 3, 4, [Me, 1]), "grow", 2));
        var moved = new AlterPartitionResult(A.Topic, A.Partition, ControlError.FencedLeaderEpoch, 1, 4, [Me, 1], 5);
        var refused = Assert.Single(_manager.OnResponse(new AlterPartitionResponse(other.CorrelationId, ControlError.None, [moved], 1, 4), 3).Answers);
        Assert.Equal(ControlError.FencedLeaderEpoch, refused.Result.Error);
    }

    [Fact]
    public void A_stopping_broker_answers_every_pending_proposal()
    {
        var request = Sent(_manager.Submit(Propose(A, 0, Me), "a", 0));
        _manager.Submit(Propose(B, 0, Me), "b", 0);
        _manager.OnResponse(Ok(request, (A, ControlError.None, [Me], 1)), 1);
        var answers = _manager.Abandon(ControlError.BrokerNotAvailable);
        Assert.Equal(["a", "b"], answers.Select(a => a.ReplyTo).Order());
        Assert.All(answers, a => Assert.Equal(ControlError.BrokerNotAvailable, a.Result.Error));
        Assert.Equal(0, _manager.Pending);
    }
}
