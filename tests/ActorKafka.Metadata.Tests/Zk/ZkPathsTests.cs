using ActorKafka.Metadata;
using ActorKafka.Metadata.Zk;

namespace ActorKafka.Metadata.Tests.Zk;

public sealed class ZkPathsTests
{
    [Fact]
    public void Fixed_paths_are_kafkas()
    {
        Assert.Equal("/controller", ZkPaths.Controller);
        Assert.Equal("/controller_epoch", ZkPaths.ControllerEpoch);
        Assert.Equal("/brokers/ids", ZkPaths.BrokerIds);
        Assert.Equal("/brokers/seqid", ZkPaths.BrokerSeqId);
        Assert.Equal("/brokers/topics", ZkPaths.Topics);
        Assert.Equal("/isr_change_notification", ZkPaths.IsrChangeNotification);
        Assert.Equal("/isr_change_notification/isr_change_", ZkPaths.IsrChangePrefix);
        Assert.Equal("/admin", ZkPaths.Admin);
        Assert.Equal("/admin/preferred_replica_election", ZkPaths.AdminPreferredReplicaElection);
        Assert.Equal("/admin/reassign_partitions", ZkPaths.AdminReassignPartitions);
        Assert.Equal("/admin/delete_topics", ZkPaths.AdminDeleteTopics);
        Assert.Equal("/config/topics", ZkPaths.ConfigTopics);
        Assert.Equal("/config/changes", ZkPaths.ConfigChanges);
        Assert.Equal("/migration", ZkPaths.Migration);
    }

    [Fact]
    public void Per_entity_paths_are_kafkas()
    {
        Assert.Equal("/brokers/ids/3", ZkPaths.BrokerId(3));
        Assert.Equal("/brokers/topics/orders", ZkPaths.Topic("orders"));
        Assert.Equal("/brokers/topics/orders/partitions", ZkPaths.TopicPartitions("orders"));
        Assert.Equal("/brokers/topics/orders/partitions/2", ZkPaths.Partition("orders", 2));
        Assert.Equal("/brokers/topics/orders/partitions/2/state", ZkPaths.PartitionState("orders", 2));
        Assert.Equal("/brokers/topics/orders/partitions/2/state", ZkPaths.PartitionState(new TopicPartition("orders", 2)));
        Assert.Equal("/admin/delete_topics/orders", ZkPaths.DeleteTopic("orders"));
        Assert.Equal("/config/topics/orders", ZkPaths.ConfigTopic("orders"));
        Assert.Equal("/config/brokers/1", ZkPaths.ConfigBroker(1));
    }

    [Fact]
    public void Isr_change_names_carry_the_stores_ten_digit_sequence()
    {
        Assert.Equal("/isr_change_notification/isr_change_0000000042", ZkPaths.IsrChange(42));
    }

    [Fact]
    public void Persistent_paths_list_parents_before_children()
    {
        var seen = new HashSet<string> { "/" };
        foreach (var path in ZkPaths.PersistentPaths)
        {
            var parent = path[..path.LastIndexOf('/')];
            Assert.Contains(parent.Length == 0 ? "/" : parent, seen);
            Assert.True(seen.Add(path), $"{path} is listed twice");
        }
    }

    [Fact]
    public void Persistent_paths_hold_what_brokers_and_controllers_write_under()
    {
        Assert.Subset(
            ZkPaths.PersistentPaths.ToHashSet(),
            new HashSet<string> { ZkPaths.BrokerIds, ZkPaths.Topics, ZkPaths.BrokerSeqId, ZkPaths.IsrChangeNotification, ZkPaths.ConfigTopics, ZkPaths.AdminDeleteTopics, ZkPaths.ConfigChanges });
        // Ephemeral or created by an election / an admin request / the migration, never up front.
        Assert.DoesNotContain(ZkPaths.Controller, ZkPaths.PersistentPaths);
        Assert.DoesNotContain(ZkPaths.ControllerEpoch, ZkPaths.PersistentPaths);
        Assert.DoesNotContain(ZkPaths.AdminPreferredReplicaElection, ZkPaths.PersistentPaths);
        Assert.DoesNotContain(ZkPaths.Migration, ZkPaths.PersistentPaths);
    }
}
