using System.Globalization;

namespace ActorKafka.Node.Cli;

/// <summary>
/// What changed between two snapshots, as short phrases for a frame's header ("controller 1 -> 2
/// (epoch 3)", "broker 2 fenced", "orders-0 leader 1 -> 3"): the controller first, then the
/// brokers, then topics and partitions, so the cause of a failover reads before its effects.
/// </summary>
public static class WatchDiff
{
    public static IReadOnlyList<string> Between(WatchSnapshot before, WatchSnapshot after)
    {
        var changes = new List<string>();
        Controller(before, after, changes);
        Brokers(after.Mode, before.Brokers, after.Brokers, changes);
        Partitions(before.Partitions, after.Partitions, changes);
        return changes;
    }

    private static void Controller(WatchSnapshot before, WatchSnapshot after, List<string> changes)
    {
        var (was, now) = (before.Controller, after.Controller);
        if (was.Id != now.Id)
            changes.Add($"controller {Id(was.Id)} -> {Id(now.Id)}" + (now.Id is null ? "" : $" (epoch {Number(now.Epoch)})"));
        else if (was.Epoch != now.Epoch)
            changes.Add($"controller {Id(now.Id)} re-elected (epoch {Number(was.Epoch)} -> {Number(now.Epoch)})");
        // The active controller is the quorum's leader: its line already says so, unless the two disagree for a moment.
        else if (before.Quorum is { } q0 && after.Quorum is { } q1 && (q0.LeaderId, q0.Epoch) != (q1.LeaderId, q1.Epoch))
            changes.Add($"quorum leader {Number(q0.LeaderId)} -> {Number(q1.LeaderId)} (epoch {Number(q1.Epoch)})");
    }

    private static void Brokers(WatchMode mode, IReadOnlyList<WatchBroker> before, IReadOnlyList<WatchBroker> after, List<string> changes)
    {
        var (up, down) = mode == WatchMode.Kraft ? ("unfenced", "fenced") : ("back", "lost");
        var was = before.ToDictionary(b => b.Id);
        foreach (var now in after)
        {
            var name = $"broker {Number(now.Id)}";
            if (!was.TryGetValue(now.Id, out var old))
            {
                var verb = mode == WatchMode.Kraft ? "registered" : "joined";
                changes.Add(now.Up ? $"{name} {verb}{Epoch(now.Epoch)}" : mode == WatchMode.Kraft ? $"{name} {verb}, fenced" : $"{name} not live");
                continue;
            }
            if (old.Up && !now.Up) changes.Add($"{name} {down}");
            else if (!old.Up && now.Up) changes.Add($"{name} {up}{Epoch(now.Epoch)}");
            else if (old.Epoch != now.Epoch && now.Epoch is not null) changes.Add($"{name} re-registered (epoch {EpochOrNone(old.Epoch)} -> {Number(now.Epoch.Value)})");
            if (!old.InControlledShutdown && now.InControlledShutdown) changes.Add($"{name} in controlled shutdown");
        }
        var present = after.Select(b => b.Id).ToHashSet();
        changes.AddRange(before.Where(b => !present.Contains(b.Id)).Select(b => $"broker {Number(b.Id)} gone"));
    }

    private static void Partitions(IReadOnlyList<WatchPartition> before, IReadOnlyList<WatchPartition> after, List<string> changes)
    {
        var was = before.ToDictionary(p => p.Partition);
        var topicsBefore = before.Select(p => p.Partition.Topic).ToHashSet(StringComparer.Ordinal);
        var topicsAfter = after.Select(p => p.Partition.Topic).ToHashSet(StringComparer.Ordinal);
        // A new topic is one change, not one per partition.
        foreach (var created in after.Where(p => !topicsBefore.Contains(p.Partition.Topic)).GroupBy(p => p.Partition.Topic))
            changes.Add($"topic {created.Key} created ({Count(created.Count(), "partition")})");
        foreach (var now in after)
        {
            if (!was.TryGetValue(now.Partition, out var old))
            {
                if (topicsBefore.Contains(now.Partition.Topic)) changes.Add($"{now.Partition} added");
                continue;
            }
            var name = now.Partition.ToString();
            if (old.Leader != now.Leader)
                changes.Add(now.Offline ? $"{name} offline (leader {Id(old.Leader)} -> none)" : $"{name} leader {Id(old.Leader)} -> {Id(now.Leader)}");
            else if (!old.Isr.SequenceEqual(now.Isr))
                changes.Add($"{name} isr {AdminFormat.Ids(old.Isr)} -> {AdminFormat.Ids(now.Isr)}");
        }
        changes.AddRange(topicsBefore.Where(t => !topicsAfter.Contains(t)).Order(StringComparer.Ordinal).Select(t => $"topic {t} deleted"));
    }

    private static string Id(int? id) => id is { } value ? Number(value) : "none";

    private static string Epoch(long? epoch) => epoch is { } value ? $" (epoch {Number(value)})" : "";

    private static string EpochOrNone(long? epoch) => epoch is { } value ? Number(value) : "none";

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{Number(count)} {noun}s";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
