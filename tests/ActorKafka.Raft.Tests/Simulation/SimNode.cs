using ActorKafka.Raft;

namespace ActorKafka.Raft.Tests.Simulation;

/// <summary>
/// One node of the simulation: a core when it is up, a disk that only holds what was flushed, the
/// messages held back until their writes are durable, and a toy state machine (a running hash).
/// A crash throws away everything but the disk.
/// </summary>
internal sealed class SimNode(int id, bool voter)
{
    public int Id { get; } = id;
    public bool Voter { get; } = voter;
    public RaftCore? Core { get; set; }
    public bool Up => Core is not null;
    public PersistedState Disk { get; set; } = new();
    public List<(long Seq, List<IPersistOp> Ops)> Unflushed { get; } = new();
    public List<(long DependsOn, Outgoing Message)> Held { get; } = new();
    public long LastPersistSeq { get; set; }
    public long DurableSeq { get; set; }
    public bool FlushScheduled { get; set; }
    public int Generation { get; set; }
    public bool SlowDisk { get; set; }
    public PendingProposals<long> Proposals { get; set; } = new();

    /// <summary>The state machine: offset it has applied up to and a hash of everything applied.</summary>
    public long AppliedEnd { get; set; }
    public ulong StateHash { get; set; }
    public long AppliedSinceSnapshot { get; set; }

    // Per-lifetime monotonicity checks.
    public long LastHighWatermark { get; set; }
    public int LastEpoch { get; set; }
    public int LastDurableEpoch { get; set; }
    public RaftRole LastRole { get; set; } = RaftRole.Unattached;

    public void ResetVolatile()
    {
        Core = null;
        Unflushed.Clear();
        Held.Clear();
        FlushScheduled = false;
        LastPersistSeq = 0;
        DurableSeq = 0;
        Generation++;
        Proposals = new PendingProposals<long>();
        AppliedEnd = 0;
        StateHash = 0;
        AppliedSinceSnapshot = 0;
        LastHighWatermark = 0;
        LastEpoch = 0;
        LastRole = RaftRole.Unattached;
    }

    public static ulong Mix(ulong hash, LogEntry entry)
    {
        var h = hash ^ (ulong)entry.Offset * 0x9E3779B97F4A7C15UL ^ (ulong)entry.Epoch * 0xC2B2AE3D27D4EB4FUL;
        foreach (var record in entry.Records)
            foreach (var b in record)
                h = (h ^ b) * 0x100000001B3UL;
        return h * 0xFF51AFD7ED558CCDUL + (ulong)entry.Type;
    }
}
