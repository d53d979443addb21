using System.Globalization;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace ActorKafka.Node.Cli;

/// <summary>
/// The Akka logger of the CLI's ActorSystems: stderr only, so no log line can ever reach a
/// command's stdout, whatever the log level.
/// </summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>HOCON that makes an ActorSystem log through this logger.</summary>
    public static readonly string Hocon = $"akka.loggers = [\"{typeof(StderrLogger).FullName}, {typeof(StderrLogger).Assembly.GetName().Name}\"]";

    // Akka.Remote reports a peer that left (a stopped member, a closed shell) as a failed endpoint
    // writer at error level; for these commands that departure is the expected outcome, not an error.
    private const string PeerLeftException = "Akka.Remote.EndpointDisassociatedException";

    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e =>
        {
            if (e.Cause?.GetType().FullName == PeerLeftException) return;
            var cause = e.Cause is null ? "" : Environment.NewLine + e.Cause;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{Logging.StringFor(e.LogLevel())}][{e.Timestamp:O}][{e.LogSource}] {e.Message}{cause}"));
        });
    }
}
