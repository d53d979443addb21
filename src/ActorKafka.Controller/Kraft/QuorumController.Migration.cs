using ActorKafka.Controller.Migration;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Records;
using Akka.Actor;
using Akka.Event;

namespace ActorKafka.Controller.Kraft;

/// <summary>
/// The migration driver's side of the controller (Kafka's MetadataPublisher and migration record
/// consumer): it is told the committed image after every change, and appends through the core.
/// </summary>
public sealed partial class QuorumController
{
    private readonly HashSet<IActorRef> _metadataSubscribers = [];

    private void OnSubscribeControllerMetadata(SubscribeControllerMetadata subscribe)
    {
        if (_metadataSubscribers.Add(subscribe.Subscriber)) Context.Watch(subscribe.Subscriber);
        subscribe.Subscriber.Tell(MetadataChanged());
    }

    /// <summary>Tells every subscriber the committed image and whether this controller is active; once per handled event.</summary>
    private void NotifyMetadataSubscribers()
    {
        if (_metadataSubscribers.Count == 0) return;
        var changed = MetadataChanged();
        foreach (var subscriber in _metadataSubscribers) subscriber.Tell(changed);
    }

    private ControllerMetadataChanged MetadataChanged() =>
        new(_committed.Image, _core.IsActive, _core.IsActive ? _core.Epoch : KnownEpoch);

    private void OnAppendMigrationRecords(AppendMigrationRecords append)
    {
        var replyTo = Sender;
        var requestId = append.RequestId;
        var result = _core.AppendMigrationRecords(append.Records);
        if (result.Response.Error != ControlError.None)
        {
            replyTo.Tell(new MigrationRecordsRefused(requestId, result.Response.Error, result.Response.Reason));
            return;
        }
        Append(result, outcome => replyTo.Tell(new MigrationRecordsCommitted(requestId, outcome.Offset, outcome.Epoch)),
            reason => replyTo.Tell(new MigrationRecordsRefused(requestId, ControlError.NotController, reason)));
    }

    /// <summary>Right after activation, before any request: a fresh quorum in migration mode enters PreMigration.</summary>
    private void AppendActivationRecords()
    {
        var result = _core.GenerateActivationRecords();
        if (result.Batches.Count > 0)
            _log.Info("Quorum controller {0}: a fresh quorum in migration mode; appending the {1} migration state", _settings.NodeId, result.Response);
        else if (_settings.MigrationEnabled && result.Response == ZkMigrationState.None)
            _log.Warning("Quorum controller {0}: migration is enabled but the log holds a cluster created in KRaft mode; it will not migrate",
                _settings.NodeId);
        Append(result, _ => { }, _ => { });
    }
}
