using ActorKafka.Broker.Tests.Migration;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.Actor;
using Akka.TestKit;

namespace ActorKafka.Broker.Tests.Controller;

/// <summary>
/// The zk controller's channel to a broker, against the in-process store and a probe in the
/// broker's place: a request the broker does not answer (lost on the way, or its answer lost) is
/// sent again with its correlation id until an answer comes or the broker is gone.
/// </summary>
public sealed class ZkControllerChannelTests : InMemoryStoreSpec
{
    private const int Me = 1;
    private const int Broker = 2;
    // Long beside the time a test takes to answer what it received, so no re-send crosses an answer.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    // Over two retry periods: a channel that kept re-sending would have done so by then.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(2500);

    private readonly TestProbe _broker;
    private readonly TestProbe _events;

    public ZkControllerChannelTests() : base("channel", $"actorkafka.controller.request-retry-after = {RetryAfter.TotalMilliseconds}ms")
    {
        _broker = CreateTestProbe();
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events.Ref, typeof(ControllerEvent));
        Sys.ActorOf(Props.Create(() => new Forwarder(_broker.Ref)), ActorNames.Broker);
        EnsurePath(ZkPaths.BrokerIds);
        var address = ((ExtendedActorSystem)Sys).Provider.DefaultAddress.ToString();
        Send<CreateResponse>(new CreateRequest($"{ZkPaths.BrokerIds}/{Broker}",
            ZkData.EncodeBroker(new BrokerInfo(Broker, "127.0.0.1", 9093, null, 0, address), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())));
    }

    private int StartController()
    {
        Sys.ActorOf(ZkController.Props(ControllerSettings.From(Sys.Settings.Config, Me)), ActorNames.Controller);
        return _events.FishForMessage<ControllerElected>(_ => true, Bound).Epoch;
    }

    [Fact]
    public void An_unanswered_request_is_sent_again_with_its_correlation_id_until_the_broker_answers()
    {
        var epoch = StartController();
        var first = _broker.ExpectMsg<UpdateMetadataRequest>(Bound);
        Assert.NotEqual(0, first.CorrelationId);
        Assert.Equal((Me, epoch), (first.ControllerId, first.ControllerEpoch));

        // No answer: the same request again, then again.
        var again = _broker.ExpectMsg<UpdateMetadataRequest>(Bound);
        Assert.Equal(first.CorrelationId, again.CorrelationId);
        Assert.Equal(new ControlRequestsResent(Me, Broker, 1, 1), _events.FishForMessage<ControlRequestsResent>(_ => true, Bound));
        Assert.Equal(first.CorrelationId, _broker.ExpectMsg<UpdateMetadataRequest>(Bound).CorrelationId);

        _broker.LastSender.Tell(new UpdateMetadataResponse(Broker, epoch, ControlError.None, first.CorrelationId));
        _broker.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void An_answered_request_is_not_sent_again()
    {
        var epoch = StartController();
        var request = _broker.ExpectMsg<UpdateMetadataRequest>(Bound);
        _broker.LastSender.Tell(new UpdateMetadataResponse(Broker, epoch, ControlError.None, request.CorrelationId));
        _broker.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_refusal_is_an_answer_too()
    {
        StartController();
        var request = _broker.ExpectMsg<UpdateMetadataRequest>(Bound);
        // A broker that knows a newer controller refuses, and says so: nothing to send again.
        _broker.LastSender.Tell(new UpdateMetadataResponse(Broker, request.ControllerEpoch + 1, ControlError.StaleControllerEpoch, request.CorrelationId));
        _broker.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Requests_for_a_broker_that_died_are_dropped()
    {
        StartController();
        _broker.ExpectMsg<UpdateMetadataRequest>(Bound);
        Send<DeleteResponse>(new DeleteRequest($"{ZkPaths.BrokerIds}/{Broker}"));
        _events.FishForMessage<BrokerLost>(l => l.BrokerId == Broker, Bound);
        // At most a re-send already on its way when the broker was dropped.
        _broker.ReceiveWhile(Quiet, m => m);
        _broker.ExpectNoMsg(Quiet);
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef target) => ReceiveAny(m => target.Forward(m));
    }
}
