using ActorKafka.Coordination.Serialization;
using ActorKafka.Coordination.Tests.Infrastructure;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;

namespace ActorKafka.Coordination.Tests.Serialization;

public sealed class CoordinationSerializerTests() : TestKit(StorePersistence.CoordinationDefaults, "serializer-spec")
{
    private static readonly Stat SampleStat = new(1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11);

    public static IEnumerable<object[]> Messages()
    {
        byte[] data = [1, 2, 3];
        ZkRequest[] requests =
        [
            new CreateRequest("/a", data, CreateMode.EphemeralSequential), new DeleteRequest("/a", 3), new SetDataRequest("/a", data, -1),
            new CheckVersionRequest("/a", 2), new ExistsRequest("/a", true), new GetDataRequest("/a", true),
            new GetChildrenRequest("/a", true, true), new SyncRequest("/"),
        ];
        ZkResponse[] responses =
        [
            new CreateResponse("/a0000000001", SampleStat), new DeleteResponse(), new SetDataResponse(SampleStat), new CheckVersionResponse(),
            new ExistsResponse(null), new ExistsResponse(SampleStat), new GetDataResponse(data, SampleStat),
            new GetChildrenResponse(["x", "y"], SampleStat), new GetChildrenResponse([], null), new SyncResponse("/"),
            new ErrorResponse(ZkErrorCode.NoChildrenForEphemerals, "/e/x", "why"),
        ];
        foreach (var r in requests) yield return [new StoreRequest(7, 8, r)];
        yield return [new StoreRequest(7, 9, new MultiRequest(requests.Take(4).ToArray()))];
        foreach (var r in responses) yield return [new StoreReply(8, 99, r)];
        yield return [new StoreReply(8, 99, new MultiResponse(responses))];
        yield return [new SessionOpened(5, 6000)];
        yield return [new Pong(5, 77)];
        yield return [new CloseSession(5, 3)];
        yield return [new WatchNotification(5, new WatchedEvent(WatchEventType.NodeChildrenChanged, "/brokers/ids", 42))];
        yield return [new SessionExpiredNotice(5)];
        yield return [new SetWatches(5, 40, ["/d"], ["/e1", "/e2"], [])];
        yield return [new StoreStatus(1, 2, 3, 4, 5, 6, 7, 8, 9)];
        yield return [new TxnBatch([
            new TxnRecord(1, 100, new CreateSessionTxn(1, 6000)),
            new TxnRecord(2, 101, new MultiTxn([new CreateTxn("/a", data, 1), new SetDataTxn("/a", data), new CheckTxn("/a"), new DeleteTxn("/a")])),
            new TxnRecord(3, 102, new CloseSessionTxn(1)),
        ])];
        yield return [new StoreSnapshot(9, [new SnapshotNode("/", [], SampleStat), new SnapshotNode("/a", data, SampleStat)], [new SnapshotSession(1, 6000)])];
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Round_trips_through_the_bound_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<CoordinationSerializer>(serializer);
        var manifest = ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        // Records with arrays compare by reference, so compare a canonical rendering.
        Assert.Equal(Render(message), Render(back));
    }

    [Fact]
    public void Actor_refs_survive_the_round_trip()
    {
        var message = new OpenSession(TestActor, 6000);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (OpenSession)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, "OS");
        Assert.Equal(TestActor, back.Owner);
        Assert.Equal(6000, back.TimeoutMs);
    }

    [Fact]
    public void Unknown_manifest_is_a_clear_error()
    {
        var serializer = (Akka.Serialization.SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(new Pong(1, 1));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "??"));
        Assert.Contains("unknown coordination manifest", error.Message);
    }

    private static string Render(object? o) => o switch
    {
        null => "null",
        byte[] b => "[" + string.Join(",", b) + "]",
        string s => s,
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Render)) + "]",
        _ when o.GetType().IsPrimitive || o is Enum => o.ToString()!,
        _ => o.GetType().Name + "{" + string.Join(",", o.GetType().GetProperties()
            .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
            .Select(p => p.Name + "=" + Render(p.GetValue(o)))) + "}",
    };
}

public sealed class SettingsTests
{
    [Fact]
    public void Defaults_load_from_the_embedded_reference_conf()
    {
        var settings = StoreSettings.From(StorePersistence.CoordinationDefaults);
        Assert.Equal(1024 * 1024, settings.Limits.MaxDataBytes);
        Assert.Equal("coordination-store", settings.PersistenceId);
        Assert.Equal(TimeSpan.FromSeconds(6), ClientSettings.From(StorePersistence.CoordinationDefaults).SessionTimeout);
    }

    [Theory]
    [InlineData("actorkafka.coordination.store.max-data-bytes = 0", "max-data-bytes")]
    [InlineData("actorkafka.coordination.store.min-session-timeout = 50s", "min-session-timeout")]
    [InlineData("actorkafka.coordination.store.snapshot-every = -1", "snapshot-every")]
    [InlineData("actorkafka.coordination.store.persistence-id = \"\"", "persistence-id")]
    public void Invalid_store_settings_name_the_key(string hocon, string key)
    {
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(StorePersistence.CoordinationDefaults);
        var error = Assert.Throws<ConfigurationException>(() => StoreSettings.From(config));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void Sqlite_persistence_points_at_the_data_dir_in_wal_mode()
    {
        using var dir = new TempDataDir();
        var config = StorePersistence.Sqlite(dir.Path);
        Assert.Contains(Path.Combine(dir.Path, StorePersistence.SqliteFileName), config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(config.GetString("akka.persistence.journal.sql.connection-string"));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar() as string);
    }

    [Fact]
    public void Postgres_template_parses_with_the_plugin_defaults()
    {
        var config = StorePersistence.Postgres(Config.Empty);
        Assert.Equal("PostgreSQL.15", config.GetString("akka.persistence.journal.sql.provider-name"));
        Assert.Equal("akka.persistence.journal.sql", config.GetString("akka.persistence.journal.plugin"));
    }
}
