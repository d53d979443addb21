using ActorKafka.Raft.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Raft.Tests.Core;

public sealed class RaftSerializerTests() : TestKit(RaftSettings.Defaults)
{
    public static TheoryData<object> Messages()
    {
        var entry = new LogEntry(7, 3, EntryType.Data, new[] { new byte[] { 1, 2 }, Array.Empty<byte>() });
        var snapshot = new RaftSnapshot(new OffsetAndEpoch(5, 2), new byte[] { 9 });
        return new TheoryData<object>
        {
            new RaftPacket(2, new VoteRequest(4, 2, 3, 10, true)),
            new RaftPacket(1, new VoteResponse(4, 1, false, false, 3, RaftError.FencedLeaderEpoch)),
            new RaftPacket(1, new BeginQuorumEpoch(4, 1)),
            new RaftPacket(1, new EndQuorumEpoch(4, 1, new[] { 2, 3 })),
            new RaftPacket(2, new FetchRequest(4, 2, 99, 10, 3, 500)),
            new RaftPacket(1, new FetchResponse(4, 1, 99, RaftError.None, 8, 7, new[] { entry }, new OffsetAndEpoch(3, 2), null)),
            new RaftPacket(1, new FetchSnapshotResponse(4, 1, 5, RaftError.None, snapshot.Id, 10, 4, new byte[] { 9, 8 })),
            new RaftPacket(1, FetchSnapshotResponse.Failed(4, null, 5, RaftError.SnapshotNotFound)),
            new RaftPacket(2, new FetchSnapshotRequest(4, 2, 6, snapshot.Id, 1024)),
            new JournalBatch(new IPersistOp[] { new QuorumStateChanged(new QuorumState(4, 2, null)), new EntriesAppended(new[] { entry }), new LogTruncated(6), new SnapshotTaken(snapshot) }),
            new PersistedState(new QuorumState(4, null, 1), snapshot, new[] { entry with { Offset = 5 } }),
            new Propose(1, new[] { new byte[] { 42 } }),
            new Propose(2, new[] { new byte[] { 42 } }, 4, 17),
            new RaftLeaderChanged(1, 4, null, RaftRole.Prospective),
            DescribeQuorum.Instance,
            new QuorumDescription(1, RaftRole.Leader, 4, 1, 10, new[] { new ReplicaProgress(1, true, 11, 0), new ReplicaProgress(9, false, 3, 120) }),
            new ProposalRejected(1, RaftError.NotLeader, 4, 2, "akka://x/user/raft-voter-2", "not the leader"),
            new CommittedBatch(1, 7, 3, EntryType.LeaderChange, new[] { new byte[] { 1 } }),
            new RaftStatus(1, RaftRole.Leader, 4, 1, 1, 10, 0, 11, 5, 20),
        };
    }

    [Theory, MemberData(nameof(Messages))]
    public void Every_message_round_trips_through_the_binary_format(object message)
    {
        var serializer = (RaftSerializer)Sys.Serialization.FindSerializerFor(message);
        Assert.Equal(RaftSerializer.SerializerId, serializer.Identifier);
        var back = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
        Assert.Equal(Normalize(message), Normalize(back));
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_error()
    {
        var serializer = (RaftSerializer)Sys.Serialization.FindSerializerForType(typeof(RaftPacket));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary(Array.Empty<byte>(), "250"));
    }

    /// <summary>Records compare lists by reference; compare their serialized-visible content instead.</summary>
    private static string Normalize(object o) => System.Text.Json.JsonSerializer.Serialize(o, o.GetType());
}
