using ActorKafka.Controller.Kraft;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Tests.Kraft;

/// <summary>Activation, resignation, and how results land in the image.</summary>
public sealed class QuorumControllerCoreLifecycleTests
{
    private static readonly QuorumControllerConfig Config = new(9_000, UncleanLeaderElectionEnable: false);

    private static void AssertEveryHandlerAnswersNotController(QuorumControllerCore core)
    {
        var registration = core.RegisterBroker(new BrokerRegistrationRequest(1, 1, Guid.NewGuid(), "akka.tcp://a@h:1", null), 0);
        var heartbeat = core.Heartbeat(new BrokerHeartbeatRequest(2, 1, 0, 0, false, false), 0);
        var create = core.CreateTopics(new CreateTopicsRequest(3, [new CreatableTopic("t", 1, 1)]));
        var alter = core.AlterPartition(new AlterPartitionRequest(4, 1, 0, []));
        var elect = core.ElectLeaders(new ElectLeadersRequest(5, ElectionType.Preferred, null));
        var fence = core.FenceExpiredBrokers(long.MaxValue);
        IQuorumControllerResponse[] responses = [registration.Response, heartbeat.Response, create.Response, alter.Response, elect.Response];
        Assert.All(responses, r => Assert.Equal(ControlError.NotController, r.Error));
        Assert.All(responses, r => Assert.Equal(-1, r.ControllerId));
        Assert.Empty(registration.Batches);
        Assert.Empty(heartbeat.Batches);
        Assert.Empty(create.Batches);
        Assert.Empty(alter.Batches);
        Assert.Empty(elect.Batches);
        Assert.Empty(fence.Batches);
        Assert.Empty(fence.Response);
    }

    [Fact]
    public void Before_activation_every_handler_answers_NotController_without_records()
    {
        var core = new QuorumControllerCore(1, Config, Guid.NewGuid, new Random(1));
        Assert.False(core.IsActive);
        AssertEveryHandlerAnswersNotController(core);
        Assert.Equal(MetadataImage.Empty, core.Image);
    }

    [Fact]
    public void After_resigning_every_handler_answers_NotController_without_records()
    {
        var h = new CoreHarness(new KraftImageBuilder().Brokers(1, 2).Build());
        h.Core.Deactivate(h.Start);
        Assert.False(h.Core.IsActive);
        AssertEveryHandlerAnswersNotController(h.Core);
    }

    [Fact]
    public void Resigning_forgets_every_batch_not_known_to_be_committed()
    {
        var h = new CoreHarness(new KraftImageBuilder().Brokers(1, 2).Build());
        h.CreateTopics(new CreatableTopic("orders", 3, 2));
        h.Register(3);
        Assert.NotEqual(h.Start, h.Image);

        h.Core.Deactivate(h.Start);
        Assert.Equal(h.Start, h.Image);
        Assert.Null(h.Image.Topics.Topic("orders"));
    }

    [Fact]
    public void Reactivated_from_a_committed_prefix_the_core_continues_from_that_image()
    {
        var h = new CoreHarness(new KraftImageBuilder().Brokers(1, 2).Build());
        h.CreateTopics(new CreatableTopic("committed", 1, 2));
        var committed = h.Image;
        h.CreateTopics(new CreatableTopic("lost", 1, 2));

        h.Core.Deactivate(committed);
        h.Core.Activate(committed, CoreHarness.ActiveEpoch + 1, h.Now);
        var result = h.Core.CreateTopics(new CreateTopicsRequest(9, [new CreatableTopic("lost", 1, 2)]));

        Assert.Equal(ControlError.None, result.Response.Topics[0].Error);
        Assert.Equal(committed.Offset + 1, h.Image.Offset);
        var replayed = MetadataReplay.Replay(committed, [new MetadataBatch(committed.Offset + 1, CoreHarness.ActiveEpoch + 1, result.Batches[0])]);
        Assert.Equal(replayed.Image, h.Image);
        Assert.Equal(CoreHarness.ActiveEpoch + 1, h.Image.Epoch);
    }

    [Fact]
    public void Responses_carry_the_node_id_and_the_active_epoch()
    {
        var h = new CoreHarness(new KraftImageBuilder().Brokers(1, 2).Build());
        IQuorumControllerResponse[] responses =
        [
            h.Register(3).Response,
            h.Heartbeat(1).Response,
            h.CreateTopics(new CreatableTopic("t", 1, 1)).Response,
            h.Elect(ElectionType.Preferred, null).Response,
        ];
        Assert.All(responses, r => Assert.Equal(CoreHarness.NodeId, r.ControllerId));
        Assert.All(responses, r => Assert.Equal(CoreHarness.ActiveEpoch, r.ControllerEpoch));
        Assert.Equal(CoreHarness.ActiveEpoch, h.Core.Epoch);
    }

    [Fact]
    public void Batches_land_at_consecutive_offsets_after_the_image_with_the_active_epoch()
    {
        var start = new KraftImageBuilder().Brokers(1, 2).Build();
        var h = new CoreHarness(start, maxRecordsPerBatch: 2);
        var result = h.CreateTopics(new CreatableTopic("t", 3, 1));

        Assert.Equal([2, 2], result.Batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 2).Select(i => start.Offset + 1 + i), h.Log.Select(b => b.Offset));
        Assert.Equal(start.Offset + 2, h.Image.Offset);
        Assert.Equal(CoreHarness.ActiveEpoch, h.Image.Epoch);
    }

    [Fact]
    public void Activation_below_the_committed_epoch_is_refused()
    {
        var image = new KraftImageBuilder(epoch: 5).Brokers(1).Build();
        var core = new QuorumControllerCore(1, Config, Guid.NewGuid, new Random(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => core.Activate(image, 4, 0));
    }

    [Fact]
    public void A_config_without_a_positive_session_timeout_or_batch_size_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuorumControllerCore(1, Config with { SessionTimeoutMs = 0 }, Guid.NewGuid));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuorumControllerCore(1, Config with { MaxRecordsPerBatch = 0 }, Guid.NewGuid));
    }
}
