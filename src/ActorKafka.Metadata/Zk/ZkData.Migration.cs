namespace ActorKafka.Metadata.Zk;

public static partial class ZkData
{
    public static byte[] EncodeMigration(MigrationZNode migration) => ZkJson.Write(writer =>
    {
        writer.WriteNumber("version", 0);
        writer.WriteNumber("kraft_controller_id", migration.KraftControllerId);
        writer.WriteNumber("kraft_controller_epoch", migration.KraftControllerEpoch);
        writer.WriteNumber("kraft_metadata_offset", migration.KraftMetadataOffset);
        writer.WriteNumber("kraft_metadata_epoch", migration.KraftMetadataEpoch);
    });

    public static ZkDataResult<MigrationZNode> DecodeMigration(byte[]? data) =>
        ZkJson.Decode(ZkPaths.Migration, data, json => new MigrationZNode(
            ZkJson.Int(json, "kraft_controller_id"),
            ZkJson.Int(json, "kraft_controller_epoch"),
            ZkJson.Long(json, "kraft_metadata_offset"),
            ZkJson.Int(json, "kraft_metadata_epoch")));
}
