using ActorKafka.Metadata;
using ActorKafka.Metadata.Image;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Controller.Migration;

/// <summary>
/// Kafka's KRaftMigrationDriver as a pure state machine: inputs in, commands out, no I/O and no
/// clock. While this node's controller is active and the log is in PreMigration or Migration it
/// walks WaitForControllerQuorum -> WaitForBrokers (PreMigration only) -> BecomeController ->
/// ZkMigration (PreMigration) or SyncKRaftToZk (Migration) -> KRaftControllerToBrokerComm ->
/// DualWrite, and ends in Finalized once PostMigration is committed. Losing activity, a session or
/// a fenced write sends it back: it never writes the store without a fresh claim.
/// Every step issues exactly one command whose outcome comes back as an input; a failed step
/// waits for <see cref="MigrationRetryDue"/>.
/// </summary>
public sealed class MigrationDriverCore(int nodeId, bool enabled)
{
    private IReadOnlyDictionary<int, long>? _zkBrokers;
    private bool _awaitingRetry;
    private MetadataImage? _synced;

    public int NodeId { get; } = nodeId;

    public bool Enabled { get; } = enabled;

    public MigrationDriverState State { get; private set; } = MigrationDriverState.Uninitialized;

    public bool Active { get; private set; }

    public int RaftEpoch { get; private set; } = -1;

    public MetadataImage Image { get; private set; } = MetadataImage.Empty;

    public ZkMigrationState LogState { get; private set; } = ZkMigrationState.None;

    /// <summary>The claim every store write is conditional on; null when this driver holds no claim.</summary>
    public ZkFence? Fence { get; private set; }

    /// <summary>The log offset the store is in step with: -1 before this driver copied or synced anything.</summary>
    public long MigratedOffset { get; private set; } = -1;

    /// <summary>The zk brokers the driver knows of (id -> broker epoch); empty before it read /brokers/ids.</summary>
    public IReadOnlyDictionary<int, long> ZkBrokers => _zkBrokers ?? new Dictionary<int, long>();

    public IReadOnlyList<MigrationCommand> Handle(MigrationInput input)
    {
        var commands = new List<MigrationCommand>();
        switch (input)
        {
            case MetadataPublished m:
                OnMetadata(m, commands);
                break;
            case ZkBrokersLoaded loaded:
                OnZkBrokers(loaded.Brokers, commands);
                break;
            case ZkBrokersChanged when InSession:
                commands.Add(LoadZkBrokers.Instance);
                break;
            case ZkControllerClaimResult claim when State == MigrationDriverState.BecomeController:
                Fence = new ZkFence(RaftEpoch, claim.ZkControllerEpoch, claim.EpochZkVersion, claim.MigrationZkVersion);
                if (LogState == ZkMigrationState.PreMigration) MoveTo(MigrationDriverState.ZkMigration, commands);
                else MoveTo(MigrationDriverState.SyncKRaftToZk, commands);
                break;
            case ZkMetadataCopied copied when State == MigrationDriverState.ZkMigration:
                Fence = Fence! with { MigrationZkVersion = copied.MigrationZkVersion };
                MigratedOffset = copied.Offset;
                _synced = copied.Base;
                // The Migration record is committed; the next published image says so too.
                LogState = ZkMigrationState.Migration;
                MoveTo(MigrationDriverState.KRaftControllerToBrokerComm, commands);
                break;
            case ZkWritten written when State is MigrationDriverState.SyncKRaftToZk or MigrationDriverState.DualWrite:
                Fence = Fence! with { MigrationZkVersion = written.MigrationZkVersion };
                _synced = written.Image;
                MigratedOffset = Math.Max(MigratedOffset, written.Image.Offset);
                if (State == MigrationDriverState.SyncKRaftToZk) MoveTo(MigrationDriverState.KRaftControllerToBrokerComm, commands);
                else Step(commands);
                break;
            case ZkBrokersInformed when State == MigrationDriverState.KRaftControllerToBrokerComm:
                MoveTo(MigrationDriverState.DualWrite, commands);
                break;
            case ZkWriteFenced when InSession:
                // Someone claimed the store after us: claim it again from a fresh read, then sync, since
                // they may have written anything.
                Fence = null;
                _synced = null;
                MoveTo(MigrationDriverState.BecomeController, commands);
                break;
            case ZkDiverged when State == MigrationDriverState.DualWrite:
                MoveTo(MigrationDriverState.SyncKRaftToZk, commands);
                break;
            case MigrationStepFailed when InSession:
                _awaitingRetry = true;
                commands.Add(ScheduleMigrationRetry.Instance);
                break;
            case MigrationRetryDue:
                if (!_awaitingRetry) break;
                _awaitingRetry = false;
                Step(commands);
                break;
            case ZkSessionLost when InSession:
                Fence = null;
                _synced = null;
                _zkBrokers = null;
                MoveTo(LogState == ZkMigrationState.PreMigration ? MigrationDriverState.WaitForBrokers : MigrationDriverState.BecomeController, commands);
                break;
            case FinalizeRequested request:
                OnFinalize(request, commands);
                break;
            case FinalizeCommitted committed:
                LogState = ZkMigrationState.PostMigration;
                MoveTo(MigrationDriverState.Finalized, commands);
                commands.Add(new AnswerFinalize(committed.CorrelationId, ControlError.None, committed.Offset, "the migration is finalized; the store is no longer written"));
                commands.Add(CloseZkSession.Instance);
                break;
        }
        return commands;
    }

    /// <summary>
    /// Why the migration cannot be finalized now, or null when it can: only the active driver in
    /// DualWrite, and only when no registered, unfenced broker still runs in zk mode.
    /// </summary>
    public string? FinalizeRefusal()
    {
        if (!Enabled) return "the migration is not enabled on this controller (actorkafka.controller.migration.enabled = off)";
        if (State == MigrationDriverState.Finalized || LogState == ZkMigrationState.PostMigration) return "the migration is already finalized";
        if (LogState != ZkMigrationState.Migration || State != MigrationDriverState.DualWrite)
            return $"the migration is in {LogState} and the driver in {State}: wait until the zk metadata is copied and the driver is in DualWrite";
        var zkMode = ZkModeBrokers();
        return zkMode.Count > 0
            ? $"brokers {string.Join(", ", zkMode)} still run in zk mode: restart each of them in KRaft mode, then finalize"
            : null;
    }

    /// <summary>Registered, unfenced brokers that are migrating zk brokers.</summary>
    public IReadOnlyList<int> ZkModeBrokers() =>
        Image.Cluster.Brokers.Values.Where(b => b.IsMigratingZkBroker && !b.Fenced).Select(b => b.Id).ToArray();

    public MigrationDescription Describe(long correlationId)
    {
        var brokers = Image.Cluster.Brokers.Values
            .Select(b => new MigrationBrokerView(b.Id, b.IsMigratingZkBroker ? "zk" : "kraft", b.Fenced)).ToArray();
        var error = Active ? ControlError.None : ControlError.NotController;
        var controllerId = Active ? NodeId : Image.Leader?.LeaderId ?? -1;
        var message = !Enabled ? "the migration is not enabled on this controller"
            : Active ? ""
            : controllerId >= 0 ? $"controller {NodeId} is not active; controller {controllerId} is" : $"controller {NodeId} is not active";
        return new MigrationDescription(correlationId, error, controllerId, RaftEpoch, LogState, State.ToString(), MigratedOffset,
            Fence?.ZkControllerEpoch ?? -1, brokers, message);
    }

    private bool InSession => Active && State is not (MigrationDriverState.Uninitialized or MigrationDriverState.Inactive or MigrationDriverState.Finalized);

    private void OnMetadata(MetadataPublished m, List<MigrationCommand> commands)
    {
        var wasActive = Active;
        var epochChanged = m.RaftEpoch != RaftEpoch;
        Image = m.Image;
        Active = m.Active;
        RaftEpoch = m.RaftEpoch;
        // Our own Migration record commits before the image that carries it may be published.
        if (!(LogState == ZkMigrationState.Migration && m.LogState == ZkMigrationState.PreMigration)) LogState = m.LogState;

        if (State == MigrationDriverState.Finalized) return;
        if (LogState == ZkMigrationState.PostMigration)
        {
            MoveTo(MigrationDriverState.Finalized, commands);
            commands.Add(CloseZkSession.Instance);
            return;
        }
        var migrating = Enabled && Active && (LogState is ZkMigrationState.PreMigration or ZkMigrationState.Migration);
        if (!migrating || (wasActive && epochChanged && State != MigrationDriverState.Inactive))
        {
            // Not active any more (or active again in a later epoch, whose claims must carry it): drop everything.
            var hadSession = State is not (MigrationDriverState.Uninitialized or MigrationDriverState.Inactive);
            Reset();
            MoveTo(MigrationDriverState.Inactive, commands);
            if (hadSession) commands.Add(CloseZkSession.Instance);
            if (!migrating) return;
        }
        if (State is MigrationDriverState.Uninitialized or MigrationDriverState.Inactive)
        {
            // Every controller of this quorum runs the same build and config, so there is no
            // controller to wait for (Kafka checks their registrations for migration support).
            MoveTo(MigrationDriverState.WaitForControllerQuorum, commands);
            return;
        }
        if (State is MigrationDriverState.WaitForBrokers or MigrationDriverState.DualWrite) Step(commands);
    }

    private void OnZkBrokers(IReadOnlyDictionary<int, long> brokers, List<MigrationCommand> commands)
    {
        if (!InSession) return;
        var previous = _zkBrokers;
        _zkBrokers = brokers;
        switch (State)
        {
            case MigrationDriverState.WaitForBrokers or MigrationDriverState.KRaftControllerToBrokerComm:
                Step(commands);
                break;
            case MigrationDriverState.DualWrite when Fence is not null:
                // A zk broker that (re)joined gets its replicas; every zk broker learns the new live set.
                var joined = brokers.Where(b => previous is null || !previous.TryGetValue(b.Key, out var epoch) || epoch != b.Value)
                    .Select(b => b.Key).ToHashSet();
                var left = previous is not null && previous.Keys.Any(id => !brokers.ContainsKey(id));
                if (joined.Count > 0 || left) commands.Add(new SendMetadataToZkBrokers(_synced ?? Image, Fence.ZkControllerEpoch, joined));
                break;
        }
    }

    private void OnFinalize(FinalizeRequested request, List<MigrationCommand> commands)
    {
        if (!Active)
        {
            commands.Add(new AnswerFinalize(request.CorrelationId, ControlError.NotController, -1,
                Image.Leader is { } leader ? $"controller {NodeId} is not active; controller {leader.LeaderId} is" : $"controller {NodeId} is not active"));
            return;
        }
        if (FinalizeRefusal() is { } why)
        {
            commands.Add(new AnswerFinalize(request.CorrelationId, ControlError.InvalidRequest, -1, why));
            return;
        }
        commands.Add(new AppendPostMigration(request.CorrelationId));
    }

    private void MoveTo(MigrationDriverState state, List<MigrationCommand> commands)
    {
        State = state;
        _awaitingRetry = false;
        Step(commands);
    }

    /// <summary>The command that moves the current state forward, if any; pass-through states move on at once.</summary>
    private void Step(List<MigrationCommand> commands)
    {
        if (_awaitingRetry) return;
        switch (State)
        {
            case MigrationDriverState.WaitForControllerQuorum:
                // Once the copy is committed the brokers are known to KRaft; a failover skips the wait.
                MoveTo(LogState == ZkMigrationState.PreMigration ? MigrationDriverState.WaitForBrokers : MigrationDriverState.BecomeController, commands);
                break;
            case MigrationDriverState.WaitForBrokers:
                // Each command's outcome comes back before the next input, so nothing is asked twice.
                if (_zkBrokers is null) commands.Add(LoadZkBrokers.Instance);
                else if (AllZkBrokersMigrating()) MoveTo(MigrationDriverState.BecomeController, commands);
                break;
            case MigrationDriverState.BecomeController:
                commands.Add(new ClaimZkController(RaftEpoch));
                break;
            case MigrationDriverState.ZkMigration:
                commands.Add(new CopyZkMetadata(Image, Fence!));
                break;
            case MigrationDriverState.SyncKRaftToZk:
                commands.Add(new SyncKRaftMetadataToZk(Image, Fence!));
                break;
            case MigrationDriverState.KRaftControllerToBrokerComm:
                if (_zkBrokers is null) commands.Add(LoadZkBrokers.Instance);
                // What the store holds now: later changes reach the brokers with their dual write.
                else commands.Add(new SendMetadataToZkBrokers(_synced ?? Image, Fence!.ZkControllerEpoch, null));
                break;
            case MigrationDriverState.DualWrite:
                if (_synced is not null && Fence is not null && Image.Offset > MigratedOffset)
                    commands.Add(new DualWriteToZk(_synced, Image, Fence));
                break;
        }
    }

    /// <summary>
    /// Kafka's check before the copy: every broker registered in the store is registered with
    /// KRaft as a migrating zk broker, and unfenced (caught up with the log); at least one is.
    /// </summary>
    private bool AllZkBrokersMigrating()
    {
        if (_zkBrokers is null || _zkBrokers.Count == 0) return false;
        return _zkBrokers.Keys.All(id => Image.Cluster.Broker(id) is { IsMigratingZkBroker: true, Fenced: false });
    }

    private void Reset()
    {
        Fence = null;
        _synced = null;
        _zkBrokers = null;
        _awaitingRetry = false;
    }
}
