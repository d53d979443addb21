using ActorKafka.Controller;
using ActorKafka.Metadata;

namespace ActorKafka.Controller.Tests;

/// <summary>The controller channel's bookkeeping: what is pending per broker, and what goes out again when a broker stays silent.</summary>
public sealed class ControllerChannelManagerTests
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(3);
    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    private readonly ControllerChannelManager<string> _channel = new(RetryAfter);

    private long Send(int brokerId, string request, double at)
    {
        var id = _channel.NextCorrelationId();
        _channel.Sent(brokerId, $"broker-{brokerId}", id, request, At(at));
        return id;
    }

    [Fact]
    public void Correlation_ids_are_unique_and_never_zero()
    {
        var ids = Enumerable.Range(0, 100).Select(_ => _channel.NextCorrelationId()).ToList();
        Assert.DoesNotContain(0L, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void Answered_requests_are_not_sent_again()
    {
        var a = Send(1, "a", 0);
        var b = Send(1, "b", 0);
        Assert.True(_channel.Answered(1, a));
        Assert.True(_channel.Answered(1, b));
        Assert.Equal(0, _channel.Pending);
        Assert.Empty(_channel.Due(At(10)));
    }

    [Fact]
    public void Nothing_goes_out_again_before_the_oldest_request_has_waited_retry_after()
    {
        Send(1, "a", 0);
        Assert.Empty(_channel.Due(At(2.9)));
        Assert.Equal(["a"], _channel.Due(At(3)).Select(r => (string)r.Request));
    }

    [Fact]
    public void A_silent_broker_gets_every_request_from_its_oldest_unanswered_one_on_again_in_order_answered_or_not()
    {
        var a = Send(1, "a", 0);
        var b = Send(1, "b", 0.5);
        Send(1, "c", 1);
        var d = Send(1, "d", 1.5);
        Assert.True(_channel.Answered(1, a));
        // b lost, d answered: b must not be the last thing the broker applies, so d goes again after it.
        Assert.True(_channel.Answered(1, d));

        var due = _channel.Due(At(3.5));
        Assert.Equal(["b", "c", "d"], due.Select(r => (string)r.Request));
        Assert.All(due, r => Assert.Equal((1, "broker-1", 1), (r.BrokerId, r.Target, r.Attempt)));
        Assert.True(_channel.Answered(1, b));
        // c is still unanswered, and d, answered, stays behind it.
        Assert.Equal(2, _channel.Pending);
    }

    [Fact]
    public void A_resend_restarts_the_wait_and_counts_attempts_until_an_answer()
    {
        var a = Send(1, "a", 0);
        Assert.Equal(1, _channel.Due(At(3)).Single().Attempt);
        Assert.Empty(_channel.Due(At(5.9)));
        Assert.Equal(2, _channel.Due(At(6)).Single().Attempt);
        Send(1, "b", 6.5);
        Assert.True(_channel.Answered(1, a));
        // The new head was sent at 6.5: its wait counts from then, and its attempts from one.
        Assert.Empty(_channel.Due(At(9)));
        Assert.Equal(1, _channel.Due(At(9.5)).Single().Attempt);
    }

    [Fact]
    public void Each_broker_waits_on_its_own()
    {
        Send(1, "to-1", 0);
        var two = Send(2, "to-2", 0);
        Assert.True(_channel.Answered(2, two));
        Assert.Equal([1], _channel.Due(At(3)).Select(r => r.BrokerId));
    }

    [Fact]
    public void A_duplicate_or_unknown_answer_is_no_news()
    {
        var a = Send(1, "a", 0);
        Send(1, "b", 0);
        Assert.True(_channel.Answered(1, a));
        Assert.False(_channel.Answered(1, a));
        Assert.False(_channel.Answered(1, 999));
        Assert.False(_channel.Answered(2, a));
        Assert.Equal(1, _channel.Pending);
    }

    [Fact]
    public void An_answer_is_logged_under_the_request_s_Kafka_name()
    {
        Assert.Equal("LeaderAndIsr", ControllerChannel.RequestName(new LeaderAndIsrResponse(1, 1, ControlError.None, [])));
        Assert.Equal("UpdateMetadata", ControllerChannel.RequestName(new UpdateMetadataResponse(1, 1, ControlError.None)));
        Assert.Equal("StopReplica", ControllerChannel.RequestName(new StopReplicaResponse(1, 1, ControlError.None)));
    }

    [Fact]
    public void A_removed_broker_and_a_cleared_channel_keep_nothing()
    {
        var a = Send(1, "a", 0);
        Send(2, "b", 0);
        _channel.RemoveBroker(1);
        Assert.False(_channel.Answered(1, a));
        Assert.Equal([2], _channel.Due(At(3)).Select(r => r.BrokerId));
        _channel.Clear();
        Assert.Equal(0, _channel.Pending);
        Assert.Empty(_channel.Due(At(100)));
    }
}
