using ActorKafka.Broker.Kraft;
using ActorKafka.Metadata;

namespace ActorKafka.Broker.Tests.Migration;

/// <summary>
/// Kafka's BrokerLifecycleManager on a zk-mode broker in a migration (KIP-866), on the pure core
/// with a hand-driven clock: no Raft observer, no metadata log, and an id the store already made its own.
/// </summary>
public sealed class MigratingLifecycleCoreTests
{
    private const int Me = 7;
    private const long Interval = 2000, Timeout = 5000, Backoff = 200, ShutdownTimeout = 30000;
    private static readonly Guid Incarnation = Guid.Parse("0b7d0f0e-5a7c-4d52-8d0c-7e4f1a2b3c4d");

    private static BrokerLifecycle NewLifecycle(bool migrating = true) =>
        new(new BrokerLifecycleConfig(Me, Incarnation, "akka.tcp://actorkafka@10.0.0.7:2552", null, [3000, 3001, 3002], Interval, Timeout, Backoff,
            ShutdownTimeout, IsMigratingZkBroker: migrating));

    private static T Sent<T>(LifecycleStep step, int to) where T : IQuorumControllerRequest
    {
        Assert.NotNull(step.Send);
        Assert.Equal(to, step.Send!.ControllerId);
        return Assert.IsType<T>(step.Send.Request);
    }

    private static BrokerRegistrationResponse Answer(BrokerRegistrationRequest r, ControlError error = ControlError.None, long epoch = 42,
        int controller = 3000) => new(r.CorrelationId, error, epoch, controller, 1);

    private static BrokerHeartbeatResponse Beat(BrokerHeartbeatRequest r, bool fenced, ControlError error = ControlError.None, int controller = 3000) =>
        new(r.CorrelationId, error, IsCaughtUp: false, fenced, ShouldShutDown: false, controller, 1);

    [Fact]
    public void Registers_at_once_as_a_migrating_zk_broker_without_waiting_for_an_observer()
    {
        var lifecycle = NewLifecycle();
        var step = lifecycle.Start(0);
        var request = Sent<BrokerRegistrationRequest>(step, to: 3000);
        Assert.True(request.IsMigratingZkBroker);
        Assert.Equal((Me, Incarnation, -1L), (request.BrokerId, request.IncarnationId, request.PreviousBrokerEpoch));
        Assert.Equal(Timeout, step.WakeAt);

        // A KRaft broker's registration says it is not one, and waits for its observer.
        var kraft = NewLifecycle(migrating: false);
        Assert.Null(kraft.Start(0).Send);
        Assert.False(Sent<BrokerRegistrationRequest>(kraft.OnTick(Timeout), to: 3000).IsMigratingZkBroker);
    }

    [Fact]
    public void Heartbeats_report_no_metadata_offset_and_the_first_unfenced_answer_runs_it()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(lifecycle.Start(0), to: 3000);
        var registered = lifecycle.OnRegistrationResponse(Answer(registration), 10);
        Assert.Contains(registered.Events, e => e is BrokerRegistered { BrokerEpoch: 42 });
        var heartbeat = Sent<BrokerHeartbeatRequest>(registered, to: 3000);
        Assert.Equal((42L, -1L, false), (heartbeat.BrokerEpoch, heartbeat.CurrentMetadataOffset, heartbeat.WantShutDown));
        Assert.Equal(3000, lifecycle.ActiveControllerId);

        // The quorum unfences a migrating zk broker on its first heartbeat, caught up or not.
        var unfenced = lifecycle.OnHeartbeatResponse(Beat(heartbeat, fenced: false), 20);
        Assert.Contains(unfenced.Events, e => e is BrokerUnfenced { BrokerEpoch: 42 });
        Assert.Equal((BrokerLifecycleState.Running, false), (lifecycle.State, lifecycle.Fenced));
        Assert.Equal(20 + Interval, unfenced.WakeAt);
        Assert.Equal(-1, Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(20 + Interval), to: 3000).CurrentMetadataOffset);
    }

    [Fact]
    public void Not_controller_sends_it_to_the_controller_named_at_once()
    {
        var lifecycle = NewLifecycle();
        var first = Sent<BrokerRegistrationRequest>(lifecycle.Start(0), to: 3000);
        var redirected = lifecycle.OnRegistrationResponse(Answer(first, ControlError.NotController, -1, controller: 3002), 5);
        var second = Sent<BrokerRegistrationRequest>(redirected, to: 3002);
        Assert.Equal((Incarnation, true), (second.IncarnationId, second.IsMigratingZkBroker));
        var heartbeat = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Answer(second, controller: 3002), 6), to: 3002);
        Assert.Equal(3002, lifecycle.ActiveControllerId);
        Assert.NotNull(heartbeat);
    }

    [Fact]
    public void A_duplicate_registration_is_its_own_previous_incarnation_and_is_retried_not_fatal()
    {
        var lifecycle = NewLifecycle();
        var first = Sent<BrokerRegistrationRequest>(lifecycle.Start(0), to: 3000);
        var refused = lifecycle.OnRegistrationResponse(Answer(first, ControlError.DuplicateBrokerRegistration, -1), 10);
        Assert.Null(refused.Stopped);
        Assert.DoesNotContain(refused.Events, e => e is BrokerRegistrationRejected or BrokerStopped);
        Assert.NotEmpty(refused.Warnings);
        Assert.Equal(10 + Backoff, refused.WakeAt);
        Assert.False(lifecycle.IsStopped);

        var again = Sent<BrokerRegistrationRequest>(lifecycle.OnTick(10 + Backoff), to: 3000);
        Assert.Equal(Incarnation, again.IncarnationId);
        Assert.Contains(lifecycle.OnRegistrationResponse(Answer(again, epoch: 50), 300).Events, e => e is BrokerRegistered { BrokerEpoch: 50 });

        // A KRaft broker refused as a duplicate still stops: nothing else made the id its own.
        var kraft = NewLifecycle(migrating: false);
        kraft.OnControllerChanged(3000, 1, 0);
        var kraftFirst = Sent<BrokerRegistrationRequest>(kraft.Start(0), to: 3000);
        Assert.NotNull(kraft.OnRegistrationResponse(Answer(kraftFirst, ControlError.DuplicateBrokerRegistration, -1), 10).Stopped);
    }

    [Fact]
    public void Registers_again_after_the_controller_lost_its_registration()
    {
        var lifecycle = NewLifecycle();
        var registration = Sent<BrokerRegistrationRequest>(lifecycle.Start(0), to: 3000);
        var heartbeat = Sent<BrokerHeartbeatRequest>(lifecycle.OnRegistrationResponse(Answer(registration), 1), to: 3000);
        lifecycle.OnHeartbeatResponse(Beat(heartbeat, fenced: false), 2);
        var next = Sent<BrokerHeartbeatRequest>(lifecycle.OnTick(2 + Interval), to: 3000);

        // The controller expired the session (or failed over without it): the epoch is stale.
        var lost = lifecycle.OnHeartbeatResponse(Beat(next, fenced: true, ControlError.StaleBrokerEpoch), 2 + Interval + 1);
        Assert.Contains(lost.Events, e => e is BrokerFenced { BrokerEpoch: 42 });
        var again = Sent<BrokerRegistrationRequest>(lost, to: 3000);
        Assert.Equal((42L, true, Incarnation), (again.PreviousBrokerEpoch, again.IsMigratingZkBroker, again.IncarnationId));
        Assert.False(lifecycle.Registered);
        Assert.Equal(-1, lifecycle.BrokerEpoch);
    }
}
