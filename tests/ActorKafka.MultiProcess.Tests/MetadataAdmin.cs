using ActorKafka.Controller;
using ActorKafka.Controller.Kraft;
using ActorKafka.Coordination;
using ActorKafka.Metadata;
using ActorKafka.Node.Hosting;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.MultiProcess.Tests;

/// <summary>What the fault runs ask of a cluster's metadata, answered by the store (zk) or the active quorum controller (kraft).</summary>
public interface IMetadataAdmin : IAsyncDisposable
{
    /// <summary>The active controller and its epoch (id null: none now).</summary>
    Task<(int? Id, int Epoch)> ControllerAsync();

    /// <summary>Brokers the cluster counts as live: registered (zk), registered and unfenced (kraft).</summary>
    Task<IReadOnlySet<int>> LiveBrokersAsync();

    Task CreateTopicAsync(string topic, int partitions, int replicationFactor);

    Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp);
}

/// <summary>zk mode: one store session of the test's own, replaced when the store has forgotten it.</summary>
public sealed class ZkMetadataAdmin(ActorSystem client, string storeAddress) : IMetadataAdmin
{
    private CoordinationSession? _session;

    private async Task<T> QueryAsync<T>(Func<CoordinationSession, Task<T>> query)
    {
        var session = _session ??= await CoordinationSession.OpenAsync(client, Settings());
        try
        {
            return await query(session);
        }
        catch (KeeperException e) when (e.Code == ZkErrorCode.SessionExpired)
        {
            // Expired while the store or this client was cut off: the caller's bounded retry gets a new one.
            _session = null;
            throw;
        }
    }

    private ClientSettings Settings() => ClientSettings.From(ConfigurationFactory.ParseString(ZkClusterHarness.FastTimings)
        .WithFallback(client.Settings.Config).WithFallback(StorePersistence.CoordinationDefaults)) with { StoreAddress = storeAddress };

    public async Task<(int? Id, int Epoch)> ControllerAsync()
    {
        var cluster = await QueryAsync(ZkAdmin.DescribeClusterAsync);
        return (cluster.ControllerId, cluster.ControllerEpoch);
    }

    public async Task<IReadOnlySet<int>> LiveBrokersAsync() => (await QueryAsync(ZkAdmin.DescribeBrokersAsync)).Select(b => b.BrokerId).ToHashSet();

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var (_, error) = await QueryAsync(s => ZkAdmin.CreateTopicAsync(s, topic, partitions, replicationFactor, new Random(7)));
        Assert.True(error is null, $"creating {topic}: {error}");
    }

    public async Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp)
    {
        var (partitions, error) = await QueryAsync(s => ZkAdmin.DescribeTopicAsync(s, tp.Topic));
        if (error is not null || partitions!.FirstOrDefault(p => p.Partition == tp) is not { State: { } state }) return null;
        return (state.Leader, state.Isr.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is null) return;
        try
        {
            await _session.DisposeAsync();
        }
        catch (Exception e) when (e is AskTimeoutException or KeeperException)
        {
            // The store is gone already.
        }
    }
}

/// <summary>kraft mode: every controller is asked for its status; requests go to the active one with the highest epoch.</summary>
public sealed class KraftMetadataAdmin(ActorSystem client, IReadOnlyDictionary<int, string> controllerAddresses) : IMetadataAdmin
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);
    private long _correlation;

    private async Task<QuorumControllerStatus?> ActiveAsync()
    {
        var statuses = await Task.WhenAll(controllerAddresses.Values.Select(async address =>
        {
            try
            {
                return await client.ActorSelection(ActorNames.QuorumControllerPath(address)).Ask<QuorumControllerStatus>(GetQuorumControllerStatus.Instance, AskTimeout);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                return null;
            }
        }));
        return statuses.Where(s => s is { Active: true }).MaxBy(s => s!.ActiveEpoch);
    }

    private async Task<T> RequestAsync<T>(Func<long, IQuorumControllerRequest> build) where T : IQuorumControllerResponse
    {
        var active = await ActiveAsync() ?? throw new InvalidOperationException("no controller is active");
        var response = await client.ActorSelection(ActorNames.QuorumControllerPath(controllerAddresses[active.NodeId]))
            .Ask<IQuorumControllerResponse>(build(Interlocked.Increment(ref _correlation)), AskTimeout);
        Assert.True(response.Error == ControlError.None, $"controller {active.NodeId} answered {response.Error}");
        return Assert.IsType<T>(response);
    }

    public async Task<(int? Id, int Epoch)> ControllerAsync() => await ActiveAsync() is { } active ? (active.NodeId, active.ActiveEpoch) : (null, -1);

    public async Task<IReadOnlySet<int>> LiveBrokersAsync() =>
        (await RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, 0))).Brokers.Where(b => !b.Fenced).Select(b => b.BrokerId).ToHashSet();

    public async Task CreateTopicAsync(string topic, int partitions, int replicationFactor)
    {
        var response = await RequestAsync<CreateTopicsResponse>(id => new CreateTopicsRequest(id, [new CreatableTopic(topic, partitions, (short)replicationFactor)]));
        var result = Assert.Single(response.Topics);
        Assert.True(result.Error == ControlError.None, $"creating {topic}: {result.Error} {result.Message}");
    }

    public async Task<(int Leader, int[] Isr)?> PartitionStateAsync(TopicPartition tp)
    {
        var cluster = await RequestAsync<DescribeClusterResponse>(id => new DescribeClusterRequest(id, 100_000));
        return cluster.Partitions.FirstOrDefault(p => p.Topic == tp.Topic && p.Partition == tp.Partition) is { } p ? (p.Leader, p.Isr.ToArray()) : null;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
