using ActorKafka.Broker;
using ActorKafka.Broker.Replication;
using ActorKafka.Metadata;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Testing.Jepsen;

/// <summary>
/// What the Jepsen runner needs from a cluster, whatever its metadata mode: its brokers (ids 1..3),
/// its controller nodes (kraft only: zk-mode controllers live on the brokers), kills and restarts
/// on the same data directory, the active controller, topics, and each broker's replica manager.
/// </summary>
public interface IJepsenCluster : IAsyncDisposable
{
    string Mode { get; }

    TestKit Kit { get; }

    IReadOnlyList<int> BrokerIds { get; }

    /// <summary>Controller nodes that are not brokers (kraft's quorum); empty in zk mode.</summary>
    IReadOnlyList<int> ControllerNodeIds { get; }

    /// <summary>Where the cluster notes what it had to do beyond the plain step (a refused start tried again).</summary>
    Action<string> Log { get; set; }

    bool IsAlive(int nodeId);

    /// <summary>
    /// Live nodes whose ActorSystem or process has ended without a kill: the cluster downed it (a
    /// node that looked unreachable for too long), or its broker gave up. Healing restarts them, as
    /// a supervisor would.
    /// </summary>
    IReadOnlyList<int> StoppedOnTheirOwn();

    /// <summary>
    /// Kills the node: it is out of the cluster's live set at once and its ActorSystem terminates in
    /// the background (its connections drop as a process's would); a restart waits for that.
    /// </summary>
    void Kill(int nodeId);

    /// <summary>Starts a killed node again on its data directory and port, once the cluster has let go of its previous incarnation.</summary>
    Task RestartAsync(int nodeId);

    /// <summary>The node that is the active controller now, or null when none is.</summary>
    Task<int?> ActiveControllerAsync();

    Task CreateTopicAsync(string topic, int partitions, int replicationFactor);

    /// <summary>The partition's leader and ISR as the controller has them (null: unknown now).</summary>
    Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp);

    /// <summary>Addresses of the live brokers' ActorSystems, for a client's bootstrap list.</summary>
    IReadOnlyList<string> BootstrapAddresses { get; }

    /// <summary>The broker's replica states, or null when it is dead or does not answer.</summary>
    Task<ReplicaStates?> ReplicaStatesAsync(int brokerId);

    /// <summary>Where the broker keeps its partition logs (the same for every incarnation).</summary>
    string LogDir(int brokerId);

    /// <summary>The broker actor's own view (registration, controller, the partitions it was told about), or null when dead or silent.</summary>
    Task<BrokerStateSnapshot?> BrokerStateAsync(int brokerId);

    void AssertSafety();
}
