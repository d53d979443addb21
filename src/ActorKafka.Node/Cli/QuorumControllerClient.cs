using ActorKafka.Metadata;
using Akka.Actor;

namespace ActorKafka.Node.Cli;

/// <summary>What one controller said to a request: its answer, or why there was none.</summary>
internal sealed record ControllerReply(Address Controller, IQuorumControllerResponse? Response, string? Failure);

/// <summary>
/// A tool's client of the KRaft controllers, known by their nodes' addresses (the quorum
/// controller lives at &lt;address&gt;/user/quorum-controller). A request goes to every controller
/// at once: the active one answers it, a standby answers NotController naming the active one. A
/// standby can name it only by id, not by address, so following its redirect means having asked
/// the active one too: list every voter. For reads only: a write sent to every controller would
/// also wait in the mailbox of a paused ex-leader, to be refused when it wakes.
/// </summary>
/// <param name="pathOf">The actor asked on each node, from the node's address: the quorum controller unless told (the migration driver answers the same way).</param>
internal sealed class QuorumControllerClient(ActorSystem system, IReadOnlyList<Address> controllers, TimeSpan requestTimeout,
    Func<string, string>? pathOf = null)
{
    private readonly Func<string, string> _pathOf = pathOf ?? ActorNames.QuorumControllerPath;
    private long _correlation;

    /// <summary>The active controller's answer (returned as soon as it arrives), or a message saying who said what.</summary>
    public async Task<(T? Response, string? Problem)> RequestAsync<T>(Func<long, IQuorumControllerRequest> build) where T : class, IQuorumControllerResponse
    {
        var (response, _, problem) = await RequestFromAsync<T>(build).ConfigureAwait(false);
        return (response, problem);
    }

    /// <summary>As <see cref="RequestAsync{T}"/>, with the node that answered as the active controller (where to send a write next).</summary>
    public async Task<(T? Response, Address? From, string? Problem)> RequestFromAsync<T>(Func<long, IQuorumControllerRequest> build)
        where T : class, IQuorumControllerResponse
    {
        var pending = controllers.Select(address => AskAsync(address, build(Interlocked.Increment(ref _correlation)))).ToList();
        var replies = new List<ControllerReply>();
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            var reply = await done.ConfigureAwait(false);
            if (reply.Response is { Error: not ControlError.NotController } answer)
            {
                return answer is T typed && answer.Error == ControlError.None
                    ? (typed, reply.Controller, null)
                    : (null, reply.Controller, $"the active controller {answer.ControllerId} at {reply.Controller} refused {typeof(T).Name.Replace("Response", "")}: {answer.Error}; try again");
            }
            replies.Add(reply);
        }
        return (null, null, Explain(replies));
    }

    private async Task<ControllerReply> AskAsync(Address controller, IQuorumControllerRequest request)
    {
        var target = system.ActorSelection(_pathOf(controller.ToString()));
        try
        {
            var answer = await target.Ask<IQuorumControllerResponse>(request, requestTimeout).ConfigureAwait(false);
            return new ControllerReply(controller, answer, null);
        }
        catch (AskTimeoutException)
        {
            return new ControllerReply(controller, null, $"no answer within {requestTimeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Nobody answered as the active controller: what each one said, then what to do about it.</summary>
    private static string Explain(IReadOnlyList<ControllerReply> replies)
    {
        var said = string.Join("; ", replies.Select(r => r.Response is { } response
            ? $"{r.Controller} is not the active controller" + (response.ControllerId >= 0 ? $" (it names controller {response.ControllerId})" : " (it knows of none)")
            : $"{r.Controller}: {r.Failure}"));
        var named = replies.Select(r => r.Response?.ControllerId ?? -1).Where(id => id >= 0).Distinct().ToArray();
        var hint = named.Length > 0
            ? $"controller {string.Join(" or ", named)} is active by their account, but none of the addresses given answered as it: " +
              "add its node's address to --bootstrap-controllers (list every voter of actorkafka.raft.voters)"
            : replies.Any(r => r.Response is not null)
                ? "no controller is active right now (an election may be under way): try again in a moment"
                : "check the addresses and that the controller nodes are running";
        return $"no active controller answered: {said}. {char.ToUpperInvariant(hint[0])}{hint[1..]}";
    }
}
