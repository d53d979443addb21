using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Kraft;

/// <summary>Kafka's BrokerLifecycleManager rules on the pure core, with a hand-driven clock.</summary>
public sealed class BrokerLifecycleTests
{
    private const int Me = 7;
    private const long Interval = 2000, Timeout = 5000, Backoff = 200, ShutdownTimeout = 30000;
    private static readonly Guid Incarnation = Guid.Parse("6f1c8a4e-1b0e-4d5e-9a34-1f2d3c4b5a69");

    private static BrokerLifecycle NewLifecycle(long duplicateRetryMs = 0) =>
        new(new BrokerLifecycleConfig(Me, Incarnation, "akka.tcp://actorkafka@10.0.0.7:2552", "r1", [1, 2, 3], Interval, Timeout, Backoff,
            ShutdownTimeout, DuplicateRegistrationRetryMs: duplicateRetryMs));

    /// <summary>Started after the observer's first view, which knows no leader yet.</summary>
    private static LifecycleStep Begin(BrokerLifecycle lifecycle)
    {
        if (lifecycle.RaftEpoch < 0) lifecycle.OnControllerChanged(null, 0, 0);
        return lifecycle.Start(0);
    }

    private static T Sent<T>(LifecycleStep step, int to) where T : IQuorumControllerRequest
    {
        Assert.NotNull(step.Send);
        Assert.Equal(to, step.Send!.ControllerId);
        return Assert.IsType<T>(step.Send.Request);
    }

    private static BrokerRegistrationResponse Registered(BrokerRegistrationRequest r, long epoch = 42, int controller = 1, int controllerEpoch = 1) =>
        new(r.CorrelationId, ControlError.None, epoch, controller, controllerEpoch);

    private static BrokerHeartbeatResponse Beat(BrokerHeartbeatRequest r, bool caughtUp, bool fenced, bool shutDown = false, int controller = 1,
        int controllerEpoch = 1, ControlError error = ControlError.None) =>
        new(r.CorrelationId, error, caughtUp, fenced, shutDown, controller, controllerEpoch);

    /// <summary>Registered with epoch 42 at controller 1 (epoch 1), caught up and unfenced; the next heartbeat is due at 2 + Interval.</summary>
    private static BrokerLifecycle Running()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var heartbeat = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(registration), 1), to: 1);
        lifecycle.OnHeartbeatResponse(Beat(heartbeat, caughtUp: true, fenced: false), 2);
        Assert.Equal(BrokerLifecycleState.Running, lifecycle.State);
        return lifecycle;
    }

    [Fact]
    public void Start_registers_with_the_raft_leader_and_its_fields()
    {
        var lifecycle = NewLifecycle();
        Assert.Null(lifecycle.OnControllerChanged(2, 4, 0).Send);
        var step = lifecycle.Start(0);
        var request = Sent<BrokerRegistrationRequest>(step, to: 2);
        Assert.Equal((Me, Incarnation, "akka.tcp://actorkafka@10.0.0.7:2552", "r1", -1L),
            (request.BrokerId, request.IncarnationId, request.ActorAddress, request.Rack, request.PreviousBrokerEpoch));
        Assert.Equal(Timeout, step.WakeAt);
        Assert.Equal(BrokerLifecycleState.Starting, lifecycle.State);
        Assert.False(lifecycle.Registered);
    }

    [Fact]
    public void The_first_registration_waits_for_the_observers_view_of_the_quorum()
    {
        var lifecycle = NewLifecycle();
        var waiting = lifecycle.Start(0);
        Assert.Null(waiting.Send);
        Assert.Equal(Timeout, waiting.WakeAt);
        Sent<BrokerRegistrationRequest>(lifecycle.OnControllerChanged(2, 1, 10), to: 2);

        // No view at all: the voters are asked in turn after a request timeout.
        var blind = NewLifecycle();
        blind.Start(0);
        Assert.Null(blind.OnTick(Timeout - 1).Send);
        Sent<BrokerRegistrationRequest>(blind.OnTick(Timeout), to: 1);
    }

    [Fact]
    public void Without_a_known_leader_the_voters_are_asked_in_turn()
    {
        var lifecycle = NewLifecycle();
        Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var timedOut = lifecycle.OnTick(Timeout);
        Assert.Null(timedOut.Send);
        Assert.Contains(timedOut.Warnings, w => w.Contains("no answer"));
        Assert.Equal(Timeout + Backoff, timedOut.WakeAt);
        Assert.Null(lifecycle.OnTick(Timeout + Backoff - 1).Send);
        Sent<BrokerRegistrationRequest>(lifecycle.OnTick(Timeout + Backoff), to: 2);
        Assert.Null(lifecycle.OnTick(2 * Timeout + Backoff).Send);
        Sent<BrokerRegistrationRequest>(lifecycle.OnTick(2 * (Timeout + Backoff)), to: 3);
        Assert.Null(lifecycle.OnTick(3 * Timeout + 2 * Backoff).Send);
        Sent<BrokerRegistrationRequest>(lifecycle.OnTick(3 * (Timeout + Backoff)), to: 1);
    }

    [Fact]
    public void A_successful_registration_is_published_and_the_first_heartbeat_goes_at_once()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var step = lifecycle.OnRegistrationResponse(Registered(registration, epoch: 42), 10);
        Assert.Equal(new BrokerRegistered(Me, 42, 0), Assert.Single(step.Events));
        var heartbeat = Sent<BrokerHeartbeatRequest>(step, to: 1);
        Assert.Equal((Me, 42L, -1L, false, false),
            (heartbeat.BrokerId, heartbeat.BrokerEpoch, heartbeat.CurrentMetadataOffset, heartbeat.WantFence, heartbeat.WantShutDown));
        Assert.True(lifecycle.Registered);
        Assert.True(lifecycle.Fenced);
        Assert.Equal(42, lifecycle.BrokerEpoch);
    }

    [Fact]
    public void Heartbeats_come_every_interval_and_carry_the_applied_offset()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var first = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(registration, epoch: 42), 0), to: 1);
        var answered = lifecycle.OnHeartbeatResponse(Beat(first, caughtUp: false, fenced: true), 5);
        Assert.Empty(answered.Events);
        Assert.Equal(5 + Interval, answered.WakeAt);
        Assert.Null(lifecycle.OnMetadataApplied(17, 6).Send);
        Assert.Null(lifecycle.OnTick(5 + Interval - 1).Send);
        var next = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(5 + Interval), to: 1);
        Assert.Equal(17, next.CurrentMetadataOffset);
        Assert.NotEqual(first.CorrelationId, next.CorrelationId);
    }

    [Fact]
    public void Replaying_up_to_the_registration_sends_a_heartbeat_without_waiting_for_the_interval()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var first = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(registration, epoch: 42), 0), to: 1);
        lifecycle.OnHeartbeatResponse(Beat(first, caughtUp: false, fenced: true), 5);
        Assert.Null(lifecycle.OnMetadataApplied(41, 10).Send);
        var caughtUp = Sent<BrokerHeartbeatRequest>(lifecycle.OnMetadataApplied(42, 11), to: 1);
        Assert.Equal(42, caughtUp.CurrentMetadataOffset);
        // Once per registration: further batches wait for the interval.
        lifecycle.OnHeartbeatResponse(Beat(caughtUp, caughtUp: false, fenced: true), 12);
        Assert.Null(lifecycle.OnMetadataApplied(43, 13).Send);
    }

    [Fact]
    public void Caught_up_then_unfenced_moves_starting_to_recovery_to_running_and_says_so_once()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var first = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(registration, epoch: 42), 0), to: 1);
        lifecycle.OnHeartbeatResponse(Beat(first, caughtUp: false, fenced: true), 1);
        var second = Sent<BrokerHeartbeatRequest>(lifecycle.OnMetadataApplied(42, 2), to: 1);

        var caughtUp = lifecycle.OnHeartbeatResponse(Beat(second, caughtUp: true, fenced: true), 3);
        Assert.Equal(new MetadataCaughtUp(Me, 42), Assert.Single(caughtUp.Events));
        Assert.Equal(BrokerLifecycleState.Recovery, lifecycle.State);

        var third = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(3 + Interval), to: 1);
        var unfenced = lifecycle.OnHeartbeatResponse(Beat(third, caughtUp: true, fenced: false), 4 + Interval);
        Assert.Equal(new BrokerUnfenced(Me, 42), Assert.Single(unfenced.Events));
        Assert.Equal(BrokerLifecycleState.Running, lifecycle.State);
        Assert.False(lifecycle.Fenced);

        var fourth = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(4 + 2 * Interval), to: 1);
        Assert.Empty(lifecycle.OnHeartbeatResponse(Beat(fourth, caughtUp: true, fenced: false), 5 + 2 * Interval).Events);
    }

    [Fact]
    public void A_running_broker_the_controller_fences_goes_back_to_recovery_until_unfenced()
    {
        var lifecycle = Running();
        var beat = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(2 + Interval), to: 1);
        var fenced = lifecycle.OnHeartbeatResponse(Beat(beat, caughtUp: true, fenced: true), 3 + Interval);
        Assert.Equal(new BrokerFenced(Me, 42), Assert.Single(fenced.Events));
        Assert.Equal(BrokerLifecycleState.Recovery, lifecycle.State);

        beat = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(3 + 2 * Interval), to: 1);
        var unfenced = lifecycle.OnHeartbeatResponse(Beat(beat, caughtUp: true, fenced: false), 4 + 2 * Interval);
        Assert.Equal(new BrokerUnfenced(Me, 42), Assert.Single(unfenced.Events));
        Assert.Equal(BrokerLifecycleState.Running, lifecycle.State);
    }

    [Fact]
    public void Not_controller_naming_the_active_one_is_followed_at_once()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var redirected = lifecycle.OnRegistrationResponse(
            new BrokerRegistrationResponse(registration.CorrelationId, ControlError.NotController, -1, 3, 1), 1);
        var again = Sent<BrokerRegistrationRequest>(redirected, to: 3);
        Assert.NotEqual(registration.CorrelationId, again.CorrelationId);
        // The answer from 3 makes it the one to keep asking.
        var heartbeat = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(again, controller: 3), 2), to: 3);
        lifecycle.OnHeartbeatResponse(Beat(heartbeat, caughtUp: false, fenced: true, controller: 3), 3);
        Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(3 + Interval), to: 3);
    }

    [Fact]
    public void Not_controller_without_a_leader_backs_off_and_tries_the_next_voter()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var refused = lifecycle.OnRegistrationResponse(new BrokerRegistrationResponse(registration.CorrelationId, ControlError.NotController, -1, -1, 1), 1);
        Assert.Null(refused.Send);
        Assert.Equal(1 + Backoff, refused.WakeAt);
        Sent<BrokerRegistrationRequest>(lifecycle.OnTick(1 + Backoff), to: 2);
    }

    [Fact]
    public void Standbys_naming_each_other_are_followed_only_after_a_backoff()
    {
        var lifecycle = NewLifecycle();
        var toOne = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var toTwo = Sent<BrokerRegistrationRequest>(
            lifecycle.OnRegistrationResponse(new BrokerRegistrationResponse(toOne.CorrelationId, ControlError.NotController, -1, 2, 1), 1), to: 2);
        var bounced = lifecycle.OnRegistrationResponse(new BrokerRegistrationResponse(toTwo.CorrelationId, ControlError.NotController, -1, 1, 1), 2);
        Assert.Null(bounced.Send);
        Assert.Equal(2 + Backoff, bounced.WakeAt);
        Sent<BrokerRegistrationRequest>(lifecycle.OnTick(2 + Backoff), to: 1);
    }

    [Fact]
    public void A_duplicate_registration_is_tried_again_within_the_retry_window_then_rejected()
    {
        var lifecycle = NewLifecycle(duplicateRetryMs: 1_000);
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var refused = lifecycle.OnRegistrationResponse(
            new BrokerRegistrationResponse(registration.CorrelationId, ControlError.DuplicateBrokerRegistration, -1, 1, 1, "incarnation differs"), 10);
        Assert.IsType<BrokerRegistrationDeferred>(Assert.Single(refused.Events));
        Assert.False(lifecycle.IsStopped);
        // Still a duplicate once the window is over: a live broker holds the id, not this one's previous incarnation.
        // Failed over to the next controller, which may know better; the active one refuses again.
        var again = Sent<BrokerRegistrationRequest>(lifecycle.OnTick(refused.WakeAt!.Value), to: 2);
        var rejected = lifecycle.OnRegistrationResponse(
            new BrokerRegistrationResponse(again.CorrelationId, ControlError.DuplicateBrokerRegistration, -1, 1, 1, "incarnation differs"), 1_010);
        Assert.IsType<BrokerRegistrationRejected>(rejected.Events[0]);
        Assert.True(lifecycle.IsStopped);
    }

    [Fact]
    public void A_duplicate_registration_is_rejected_and_the_broker_stops_retrying()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var step = lifecycle.OnRegistrationResponse(
            new BrokerRegistrationResponse(registration.CorrelationId, ControlError.DuplicateBrokerRegistration, -1, 1, 1, "incarnation differs"), 1);
        var rejected = Assert.IsType<BrokerRegistrationRejected>(step.Events[0]);
        Assert.Contains("already registered", rejected.Error);
        Assert.Contains("actorkafka.broker.broker-id", rejected.Error);
        Assert.NotNull(step.Stopped);
        Assert.Null(step.Send);
        Assert.Null(step.WakeAt);
        Assert.True(lifecycle.IsStopped);
        Assert.Same(LifecycleStep.Nothing, lifecycle.OnTick(1_000_000));
    }

    [Fact]
    public void An_answer_from_a_lower_controller_epoch_is_ignored_and_reported()
    {
        var lifecycle = NewLifecycle();
        lifecycle.OnControllerChanged(1, 5, 0);
        var registration = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var stale = lifecycle.OnRegistrationResponse(Registered(registration, controllerEpoch: 4), 1);
        Assert.Equal(new StaleEpochRejected(Me, StaleEpochKind.Controller, 4, 5, "BrokerRegistration"), Assert.Single(stale.Events));
        Assert.False(lifecycle.Registered);
        Assert.Null(stale.Send);
        // The request is still waiting; its own answer from the current epoch is taken.
        Assert.Equal(Timeout, stale.WakeAt);
        var heartbeat = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Registered(registration, controllerEpoch: 6), 2), to: 1);
        Assert.Equal(6, lifecycle.ControllerEpoch);

        var zombie = lifecycle.OnHeartbeatResponse(Beat(heartbeat, caughtUp: true, fenced: false, controllerEpoch: 5), 3);
        Assert.Equal(new StaleEpochRejected(Me, StaleEpochKind.Controller, 5, 6, "BrokerHeartbeat"), Assert.Single(zombie.Events));
        Assert.True(lifecycle.Fenced);
        Assert.Equal(BrokerLifecycleState.Starting, lifecycle.State);
    }

    [Fact]
    public void A_new_raft_leader_gets_the_request_at_once_and_a_late_answer_to_the_old_one_is_dropped()
    {
        var lifecycle = NewLifecycle();
        lifecycle.OnControllerChanged(1, 1, 0);
        var toOld = Sent<BrokerRegistrationRequest>(Begin(lifecycle), to: 1);
        var toNew = Sent<BrokerRegistrationRequest>(lifecycle.OnControllerChanged(2, 2, 1), to: 2);
        var late = lifecycle.OnRegistrationResponse(Registered(toOld, epoch: 10, controller: 1, controllerEpoch: 2), 2);
        Assert.Empty(late.Events);
        Assert.False(lifecycle.Registered);
        lifecycle.OnRegistrationResponse(Registered(toNew, epoch: 11, controller: 2, controllerEpoch: 2), 3);
        Assert.Equal(11, lifecycle.BrokerEpoch);
    }

    [Fact]
    public void A_stale_broker_epoch_answer_means_registering_again()
    {
        var lifecycle = Running();
        var beat = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(2 + Interval), to: 1);
        var lost = lifecycle.OnHeartbeatResponse(Beat(beat, false, true, error: ControlError.StaleBrokerEpoch), 3 + Interval);
        Assert.Equal(new BrokerFenced(Me, 42), Assert.Single(lost.Events));
        Assert.Contains(lost.Warnings, w => w.Contains("registering again"));
        var again = Sent<BrokerRegistrationRequest>(lost, to: 1);
        Assert.Equal(42, again.PreviousBrokerEpoch);
        Assert.Equal(Incarnation, again.IncarnationId);
        Assert.False(lifecycle.Registered);
        Assert.Equal(BrokerLifecycleState.Starting, lifecycle.State);

        var registered = lifecycle.OnRegistrationResponse(Registered(again, epoch: 90), 4 + Interval);
        Assert.Equal(new BrokerRegistered(Me, 90, 0), Assert.Single(registered.Events));
    }

    [Fact]
    public void Controlled_shutdown_heartbeats_with_want_shut_down_until_the_controller_says_should_shut_down()
    {
        var lifecycle = Running();
        var first = Sent<BrokerHeartbeatRequest>(lifecycle.OnShutdownRequested(100), to: 1);
        Assert.True(first.WantShutDown);
        Assert.Equal(BrokerLifecycleState.PendingControlledShutdown, lifecycle.State);

        var waiting = lifecycle.OnHeartbeatResponse(Beat(first, caughtUp: true, fenced: false), 101);
        Assert.Null(waiting.Stopped);
        Assert.Equal(101 + Backoff, waiting.WakeAt);
        var second = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(101 + Backoff), to: 1);
        Assert.True(second.WantShutDown);

        var done = lifecycle.OnHeartbeatResponse(Beat(second, caughtUp: true, fenced: true, shutDown: true), 102 + Backoff);
        Assert.NotNull(done.Stopped);
        Assert.Contains("controlled shutdown complete", done.Stopped!.Reason);
        Assert.Equal([typeof(BrokerFenced), typeof(BrokerStopped)], done.Events.Select(e => e.GetType()));
        Assert.True(lifecycle.IsStopped);
        Assert.Null(done.WakeAt);
    }

    [Fact]
    public void Controlled_shutdown_asked_during_a_heartbeat_goes_out_right_after_its_answer()
    {
        var lifecycle = Running();
        var plain = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(2 + Interval), to: 1);
        Assert.Null(lifecycle.OnShutdownRequested(3 + Interval).Send);
        var next = Sent<BrokerHeartbeatRequest>(lifecycle.OnHeartbeatResponse(Beat(plain, true, false), 4 + Interval), to: 1);
        Assert.True(next.WantShutDown);
    }

    [Fact]
    public void Controlled_shutdown_that_no_controller_completes_stops_anyway_at_the_timeout()
    {
        var lifecycle = Running();
        var step = lifecycle.OnShutdownRequested(100);
        Assert.NotNull(step.Send);
        for (var now = 100 + Timeout; now < 100 + ShutdownTimeout; now += Backoff) Assert.Null(lifecycle.OnTick(now).Stopped);
        var stopped = lifecycle.OnTick(100 + ShutdownTimeout).Stopped;
        Assert.NotNull(stopped);
        Assert.Contains("stopping anyway", stopped!.Reason);
    }

    [Fact]
    public void Shutdown_before_the_broker_is_unfenced_stops_at_once()
    {
        var lifecycle = NewLifecycle();
        Begin(lifecycle);
        var step = lifecycle.OnShutdownRequested(1);
        Assert.Null(step.Send);
        Assert.Contains("without controlled shutdown", step.Stopped!.Reason);
        Assert.Equal(BrokerLifecycleState.ShuttingDown, lifecycle.State);
    }
}
