using System.Text;
using ActorKafka.Metadata;

namespace ActorKafka.Node.Cli;

/// <summary>A produce or fetch error as Kafka names it (NOT_ENOUGH_REPLICAS), and what the user can do about it.</summary>
internal static class ClientErrors
{
    /// <summary>Kafka's name of the error: NotEnoughReplicas is NOT_ENOUGH_REPLICAS.</summary>
    public static string Name(ControlError error)
    {
        var text = error.ToString();
        var name = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && char.IsUpper(text[i])) name.Append('_');
            name.Append(char.ToUpperInvariant(text[i]));
        }
        return name.ToString();
    }

    /// <summary>What to do after a produce that failed with this error (retriable ones were retried until the delivery timeout).</summary>
    public static string ProduceHint(ControlError error) => error switch
    {
        ControlError.NotEnoughReplicas or ControlError.NotEnoughReplicasAfterAppend =>
            "Fewer replicas are in sync than min.insync.replicas requires for --acks all: bring the partition's brokers back " +
            "(see 'actorkafka cluster describe'), or produce with --acks 1 if losing the leader may lose the records",
        ControlError.MessageTooLarge or ControlError.RecordListTooLarge =>
            "A line is larger than the brokers accept (actorkafka.broker.replication.max-batch-bytes): split it, or raise that setting",
        ControlError.UnknownTopicOrPartition =>
            "The topic or partition went away while producing: check it with 'actorkafka cluster describe'",
        _ when Broker.Clients.KafkaProducer.Retriable(error) =>
            "The partition had no leader that answered in time: check with 'actorkafka cluster describe' that its brokers are running, then send the rest again",
        _ => "The broker refused the batch: the message above says why",
    };
}
