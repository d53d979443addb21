using ActorKafka.Broker;
using ActorKafka.Controller;

namespace ActorKafka.Testing;

/// <summary>
/// The controller's safety properties over a run's events, wherever they were recorded (a node's
/// event stream in process, a node process's printed events): one controller per epoch, epochs
/// won in increasing order, every applied request from its epoch's winner, and no broker applying
/// a request of a lower epoch after a higher one.
/// </summary>
public static class ControllerSafety
{
    public static void Assert(IReadOnlyCollection<object> events)
    {
        var elections = events.OfType<ControllerElected>().ToList();
        Xunit.Assert.True(elections.Count == elections.Select(e => e.Epoch).Distinct().Count(),
            "two elections won the same epoch: " + string.Join(", ", elections.GroupBy(e => e.Epoch).Where(g => g.Count() > 1)
                .Select(g => $"epoch {g.Key} by {string.Join(" and ", g.Select(e => e.ControllerId))}")));
        var byEpoch = elections.Select(e => e.Epoch).ToList();
        Xunit.Assert.Equal(byEpoch.Order(), byEpoch);
        var winners = elections.ToDictionary(e => e.Epoch, e => e.ControllerId);
        foreach (var applied in events.OfType<ControlRequestApplied>())
            if (winners.TryGetValue(applied.ControllerEpoch, out var winner))
                Xunit.Assert.True(applied.ControllerId == winner,
                    $"broker {applied.BrokerId} applied a {applied.Request} of epoch {applied.ControllerEpoch} from {applied.ControllerId}, but {winner} won that epoch");
        foreach (var broker in events.OfType<ControlRequestApplied>().GroupBy(e => e.BrokerId))
        {
            var seen = -1;
            foreach (var applied in broker)
            {
                Xunit.Assert.True(applied.ControllerEpoch >= seen,
                    $"broker {broker.Key} applied a {applied.Request} from epoch {applied.ControllerEpoch} after seeing epoch {seen}");
                seen = applied.ControllerEpoch;
            }
        }
    }
}
