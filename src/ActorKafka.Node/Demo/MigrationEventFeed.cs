using ActorKafka.Controller.Migration;
using Akka.Actor;

namespace ActorKafka.Node.Demo;

/// <summary>
/// Adds a controller node's migration driver events (<see cref="MigrationEvent"/>: its steps, the
/// claim of /controller, the copy, the finalization) to the demo's event log, beside the broker and
/// controller events <see cref="DemoEventLog.Attach"/> records.
/// </summary>
internal static class MigrationEventFeed
{
    public static void Attach(ActorSystem node, DemoEventLog log)
    {
        var recorder = node.ActorOf(Props.Create(() => new Recorder(log)), "demo-migration-recorder");
        node.EventStream.Subscribe(recorder, typeof(MigrationEvent));
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(DemoEventLog log) => ReceiveAny(log.Add);
    }
}
