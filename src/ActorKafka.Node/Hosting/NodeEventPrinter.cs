using System.Text.Json;
using System.Text.Json.Serialization;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Controller.Migration;
using Akka.Actor;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// With actorkafka.node.print-events on, a node prints every broker, controller and migration
/// event of its own as one line: "event TYPE {json}". Tools that run nodes as processes (the
/// multi-process fault tests, a log shipper) read what each node did from its stdout, as the
/// in-process tests read it from the event stream.
/// </summary>
public sealed class NodeEventPrinter : ReceiveActor
{
    public const string Prefix = "event ";

    public static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public NodeEventPrinter(TextWriter output)
    {
        ReceiveAny(e =>
        {
            var line = Format(e);
            // One writer is shared with the node's other output; a line is written and flushed whole.
            lock (output)
            {
                output.WriteLine(line);
                output.Flush();
            }
        });
    }

    public static string Format(object e) => $"{Prefix}{e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType(), Json)}";
}

/// <summary>Where a node's event printer is started.</summary>
public static class NodeEventPrinting
{
    /// <summary>Subscribes a printer to the node's event stream; called before the roles start, so their first events are printed.</summary>
    public static void Attach(ActorSystem system, TextWriter output)
    {
        var printer = system.ActorOf(Props.Create(() => new NodeEventPrinter(output)), "event-printer");
        system.EventStream.Subscribe(printer, typeof(BrokerEvent));
        system.EventStream.Subscribe(printer, typeof(ControllerEvent));
        system.EventStream.Subscribe(printer, typeof(MigrationEvent));
    }
}
