using System.Text;
using ActorKafka.Metadata.Records;

namespace ActorKafka.Node.Cli;

/// <summary>
/// Kafka's spelling of the migration's states, as operators know them from kafka-metadata-quorum
/// and the controller logs: ZkMigrationState (PRE_MIGRATION, ...) and MigrationDriverState (DUAL_WRITE, ...).
/// </summary>
internal static class MigrationNames
{
    public static string Phase(ZkMigrationState state) => state switch
    {
        ZkMigrationState.None => "NONE",
        ZkMigrationState.PreMigration => "PRE_MIGRATION",
        ZkMigrationState.Migration => "MIGRATION",
        ZkMigrationState.PostMigration => "POST_MIGRATION",
        _ => state.ToString().ToUpperInvariant(),
    };

    /// <summary>"KRaftControllerToBrokerComm" -> "KRAFT_CONTROLLER_TO_BROKER_COMM", "DualWrite" -> "DUAL_WRITE".</summary>
    public static string DriverState(string state)
    {
        // "KRaft" is one word in Kafka's constant names, not K + Raft.
        var words = state.Replace("KRaft", "Kraft", StringComparison.Ordinal);
        var name = new StringBuilder(words.Length + 8);
        for (var i = 0; i < words.Length; i++)
        {
            if (i > 0 && char.IsUpper(words[i]) && !char.IsUpper(words[i - 1])) name.Append('_');
            name.Append(char.ToUpperInvariant(words[i]));
        }
        return name.ToString();
    }

    /// <summary>What a phase means for an operator, in a few words.</summary>
    public static string Explain(ZkMigrationState state) => state switch
    {
        ZkMigrationState.None => "no migration: the controllers are not in migration mode, or the quorum never was",
        ZkMigrationState.PreMigration => "the KRaft controllers wait for every zk-mode broker to register with them before copying the metadata",
        ZkMigrationState.Migration => "the metadata is in the log; the KRaft controller runs the cluster and writes every change back to the store",
        ZkMigrationState.PostMigration => "finalized: the store is no longer written, and there is no way back to zk mode",
        _ => "",
    };
}
