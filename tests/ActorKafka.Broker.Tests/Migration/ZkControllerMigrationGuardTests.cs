using ActorKafka.Controller;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;
using Akka.TestKit;

namespace ActorKafka.Broker.Tests.Migration;

/// <summary>
/// A zk-mode controller candidate during a migration (KIP-866), against the in-process store: it
/// does not claim /controller while /migration exists or a KRaft controller holds /controller, and
/// claims it once the operator has rolled back (deleted them).
/// </summary>
public sealed class ZkControllerMigrationGuardTests : InMemoryStoreSpec
{
    private const int Me = 1;
    // Long enough for an unguarded candidate to have claimed /controller many times over.
    private static readonly TimeSpan NoClaim = TimeSpan.FromMilliseconds(700);

    private readonly TestProbe _events;

    public ZkControllerMigrationGuardTests() : base("guard")
    {
        _events = CreateTestProbe();
        Sys.EventStream.Subscribe(_events.Ref, typeof(ControllerEvent));
    }

    private void StartController() => Sys.ActorOf(ZkController.Props(ControllerSettings.From(Sys.Settings.Config, Me)), ActorNames.Controller);

    private static byte[] KRaftControllerZNode(int epoch) =>
        ZkData.EncodeController(new ControllerZNode(3000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), KraftControllerEpoch: epoch));

    private static byte[] Migration() => ZkData.EncodeMigration(new MigrationZNode(3000, 2, 100, 2));

    private ControllerZNode Holder()
    {
        var data = Send<GetDataResponse>(new GetDataRequest(ZkPaths.Controller)).Data;
        Assert.True(ZkData.DecodeController(data).TryGetValue(out var holder));
        return holder;
    }

    private ControllerElectionDeferred ExpectDeferred(string reasonPart)
    {
        var deferred = _events.FishForMessage<ControllerElectionDeferred>(_ => true, Bound);
        Assert.Equal(Me, deferred.ControllerId);
        Assert.Contains(reasonPart, deferred.Reason);
        return deferred;
    }

    private void ExpectNoElection() => Assert.DoesNotContain(_events.ReceiveWhile(NoClaim, m => m), m => m is ControllerElected);

    [Fact]
    public void A_candidate_does_not_claim_the_controller_while_migration_exists_and_does_once_it_is_deleted()
    {
        Send<CreateResponse>(new CreateRequest(ZkPaths.Migration, Migration()));
        StartController();

        ExpectDeferred(ZkPaths.Migration);
        ExpectNoElection();
        Assert.False(Exists(ZkPaths.Controller));

        Send<DeleteResponse>(new DeleteRequest(ZkPaths.Migration));
        var elected = _events.FishForMessage<ControllerElected>(_ => true, Bound);
        Assert.Equal((Me, 1), (elected.ControllerId, elected.Epoch));
        Assert.Equal((Me, ControllerZNode.NoKraftControllerEpoch), (Holder().BrokerId, Holder().KraftControllerEpoch));
    }

    [Fact]
    public void A_candidate_stands_aside_while_a_kraft_controller_holds_the_controller_znode()
    {
        EnsurePath(ZkPaths.ControllerEpoch);
        Send<SetDataResponse>(new SetDataRequest(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(5)));
        Send<CreateResponse>(new CreateRequest(ZkPaths.Controller, KRaftControllerZNode(epoch: 2)));
        StartController();

        ExpectDeferred("KRaft controller 3000");
        ExpectNoElection();
        Assert.Equal(3000, Holder().BrokerId);

        // A new KRaft controller taking over rewrites /controller: still not the zk candidates' turn.
        Send<SetDataResponse>(new SetDataRequest(ZkPaths.Controller, KRaftControllerZNode(epoch: 3)));
        ExpectNoElection();

        Send<DeleteResponse>(new DeleteRequest(ZkPaths.Controller));
        var elected = _events.FishForMessage<ControllerElected>(_ => true, Bound);
        Assert.Equal((Me, 6), (elected.ControllerId, elected.Epoch));
    }

    [Fact]
    public void An_active_controller_fenced_by_a_kraft_controller_resigns_and_does_not_claim_again_until_rolled_back()
    {
        StartController();
        Assert.Equal(1, _events.FishForMessage<ControllerElected>(_ => true, Bound).Epoch);

        // The KRaft controller's claim (Kafka's tryRegisterKRaftControllerAsActiveController): bump the
        // epoch, replace the zk controller's /controller with its own, beside /migration.
        var epoch = Send<GetDataResponse>(new GetDataRequest(ZkPaths.ControllerEpoch));
        var controller = Send<GetDataResponse>(new GetDataRequest(ZkPaths.Controller));
        var claim = Send<MultiResponse>(new MultiRequest([
            new CreateRequest(ZkPaths.Migration, Migration()),
            new SetDataRequest(ZkPaths.ControllerEpoch, ZkData.EncodeControllerEpoch(2), epoch.Stat.Version),
            new DeleteRequest(ZkPaths.Controller, controller.Stat.Version),
            new CreateRequest(ZkPaths.Controller, KRaftControllerZNode(epoch: 2)),
        ]));
        Assert.Null(claim.FirstError);

        // Its next fenced write (deleting an ISR change notification) tells it.
        Send<CreateResponse>(new CreateRequest(ZkPaths.IsrChangePrefix, ZkData.EncodeIsrChangeNotification([]), CreateMode.PersistentSequential));
        var resigned = _events.FishForMessage<ControllerResigned>(_ => true, Bound);
        Assert.Equal((Me, 1), (resigned.ControllerId, resigned.Epoch));
        ExpectDeferred(ZkPaths.Migration);
        ExpectNoElection();
        Assert.Equal((3000, 2), (Holder().BrokerId, Holder().KraftControllerEpoch));

        // Rollback, step by step: /migration first (the KRaft controller's /controller still stands) ...
        Send<DeleteResponse>(new DeleteRequest(ZkPaths.Migration));
        ExpectDeferred("KRaft controller 3000");
        ExpectNoElection();
        // ... then /controller: the zk candidate takes over above the KRaft controller's epoch.
        Send<DeleteResponse>(new DeleteRequest(ZkPaths.Controller));
        var elected = _events.FishForMessage<ControllerElected>(_ => true, Bound);
        Assert.Equal((Me, 3), (elected.ControllerId, elected.Epoch));
    }
}
