using System.Collections.Concurrent;
using ActorKafka.Broker;
using ActorKafka.Controller;
using Akka.Actor;

namespace ActorKafka.Testing;

/// <summary>Records every broker and controller event of one node, in order, for the safety checks.</summary>
public sealed class EventRecorder : ReceiveActor
{
    public EventRecorder(ConcurrentQueue<object> sink)
    {
        ReceiveAny(sink.Enqueue);
    }
}

public static class EventRecording
{
    public static void Attach(ActorSystem system, ConcurrentQueue<object> sink)
    {
        var recorder = system.ActorOf(Props.Create(() => new EventRecorder(sink)), "event-recorder");
        system.EventStream.Subscribe(recorder, typeof(BrokerEvent));
        system.EventStream.Subscribe(recorder, typeof(ControllerEvent));
        system.EventStream.Subscribe(recorder, typeof(Controller.Migration.MigrationEvent));
    }
}
