using ActorKafka.Broker.Replication;
using ActorKafka.Broker.Serialization;
using ActorKafka.Metadata;
using ActorKafka.Metadata.Serialization;
using ActorKafka.Node.Hosting;
using ActorKafka.Raft;
using ActorKafka.Raft.Serialization;
using Akka.Actor;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>A node's config binds every protocol to its binary serializer: nothing crosses the wire as JSON.</summary>
public sealed class NodeSerializationTests
{
    [Fact]
    public async Task Every_protocol_of_a_node_has_its_own_serializer()
    {
        var options = new NodeOptions(Path.Combine(Path.GetTempPath(), "actorkafka-tests", Guid.NewGuid().ToString("N")), ["broker"], []);
        var system = ActorSystem.Create("actorkafka", NodeConfig.Build(options));
        try
        {
            Assert.IsType<RaftSerializer>(system.Serialization.FindSerializerFor(new RaftPacket(1, new BeginQuorumEpoch(1, 1))));
            Assert.IsType<ControlSerializer>(system.Serialization.FindSerializerFor(new DescribeQuorumRequest(1)));
            Assert.IsType<ReplicationSerializer>(system.Serialization.FindSerializerFor(new ListOffsetsRequest(1, new TopicPartition("t", 0), -1, -1)));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
