using System.Globalization;
using ActorKafka.Broker;
using ActorKafka.Controller;
using ActorKafka.Coordination;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKafka.Node.Hosting;

/// <summary>
/// Resolves a node's settings: flags over environment variables over the config file over the
/// embedded defaults. Every problem is reported by the file or the key it is in, before anything
/// is started.
/// </summary>
public static class NodeConfigLoader
{
    /// <summary>The protocol of node addresses without TLS; with it, <see cref="RemotingTls.AddressProtocol"/>.</summary>
    public const string AddressProtocol = RemotingTls.PlainAddressProtocol;

    /// <summary>
    /// The HOCON parser loops forever on some malformed input (an unclosed list followed by braces);
    /// a file that takes longer than this to parse is reported instead of hanging the node's start.
    /// </summary>
    public static TimeSpan ParseBound { get; set; } = TimeSpan.FromSeconds(10);

    public static IReadOnlyList<string> KnownRoles { get; } = [NodeRoles.Store, NodeRoles.Controller, NodeRoles.Broker];

    /// <summary>Loads with no flags and no environment: what a config file alone says.</summary>
    public static NodeConfigResult LoadFile(string path) =>
        Load(new Dictionary<string, string> { [NodeSetting.Config.Flag!] = path }, _ => null);

    public static NodeConfigResult Load(IReadOnlyDictionary<string, string> flags, Func<string, string?> environment)
    {
        var overrides = new Overrides(flags, environment);
        var file = overrides.Find(NodeSetting.Config)?.Value;
        var fileConfig = Config.Empty;
        if (file is not null)
        {
            if (!File.Exists(file)) return NodeConfigResult.Failed($"{file}: not found");
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return NodeConfigResult.Failed($"{file}: cannot be read ({e.Message})");
            }
            var parse = Task.Run(() => ConfigurationFactory.ParseString(text, NodeConfigIncludes.NextTo(file)));
            try
            {
                if (!parse.Wait(ParseBound))
                    return NodeConfigResult.Failed($"{file}: not valid HOCON: the parser did not finish within {ParseBound.TotalSeconds:0}s (look for unbalanced brackets)");
                fileConfig = parse.Result;
            }
            catch (AggregateException e) when (e.GetBaseException() is NodeConfigException include)
            {
                return NodeConfigResult.Failed(include.Message);
            }
            catch (AggregateException e)
            {
                // The HOCON parser throws several exception types; all of them mean the file is not valid HOCON.
                return NodeConfigResult.Failed($"{file}: not valid HOCON: {e.GetBaseException().Message}");
            }
        }

        try
        {
            return NodeConfigResult.Loaded(Resolve(new Reader(overrides, fileConfig, file), fileConfig, file));
        }
        catch (NodeConfigException e)
        {
            return NodeConfigResult.Failed(e.Message);
        }
    }

    /// <summary>
    /// The TLS the CLI's client systems use: the ACTORKAFKA_TLS_* variables over the defaults (off),
    /// checked the way a node's are, so a client speaks the protocol of the nodes it talks to.
    /// </summary>
    public static TlsConfigResult LoadTls(Func<string, string?> environment)
    {
        try
        {
            var reader = new Reader(new Overrides(new Dictionary<string, string>(), environment), Config.Empty, null);
            return new TlsConfigResult(ResolveTls(reader), null);
        }
        catch (NodeConfigException e)
        {
            return new TlsConfigResult(null, e.Message);
        }
    }

    private static RemotingTls? ResolveTls(Reader reader)
    {
        if (!reader.Bool(NodeSetting.TlsEnabled)) return null;
        var path = reader.String(NodeSetting.TlsCertificate);
        if (path.Length == 0)
            throw reader.Problem(NodeSetting.TlsCertificate,
                "empty: with TLS enabled give the PKCS#12 (.pfx) file holding this node's certificate and its private key");
        var password = reader.Secret(NodeSetting.TlsCertificatePassword);
        var withPassword = password.Length > 0
            ? $"the password from {reader.Source(NodeSetting.TlsCertificatePassword)}"
            : $"no password ({NodeSetting.TlsCertificatePassword.Key} or {NodeSetting.TlsCertificatePassword.EnvironmentVariable} gives one)";
        if (RemotingTls.CertificateProblem(path, password, withPassword) is { } problem) throw reader.Problem(NodeSetting.TlsCertificate, problem);
        return new RemotingTls(path, password, reader.Bool(NodeSetting.TlsSuppressValidation));
    }

    private static NodeSettings Resolve(Reader reader, Config fileConfig, string? file)
    {
        var roles = reader.List(NodeSetting.Roles).Distinct(StringComparer.Ordinal).ToArray();
        if (roles.Length == 0)
            throw reader.Problem(NodeSetting.Roles, $"no roles given (expected one or more of {string.Join(", ", KnownRoles)})");
        if (roles.FirstOrDefault(r => !KnownRoles.Contains(r)) is { } unknown)
            throw reader.Problem(NodeSetting.Roles, $"unknown role '{unknown}' (expected {string.Join(", ", KnownRoles)})");

        var nodeId = reader.OptionalInt(NodeSetting.NodeId) ?? -1;
        if (nodeId < -1) throw reader.Problem(NodeSetting.NodeId, $"{nodeId} is not a node id (a non-negative number)");
        if (roles.Contains(NodeRoles.Broker) && nodeId < 0)
            throw reader.Problem(NodeSetting.NodeId, "a broker needs a node id: it is the broker id and the controller candidate's id");

        var port = reader.Int(NodeSetting.Port);
        if (port is < 0 or > 65535) throw reader.Problem(NodeSetting.Port, $"{port} is not a port (0 to 65535; 0 picks a free one)");
        var hostname = reader.String(NodeSetting.Hostname);
        if (hostname.Length == 0) throw reader.Problem(NodeSetting.Hostname, "empty: give the host name or IP address to bind to");
        // The listener /brokers/ids/N advertises: given, or else the host remoting binds to (Kafka advertises its
        // listener's host), unless that is a wildcard, which no client can reach: then the broker defaults' (127.0.0.1).
        var brokerHost = reader.OptionalString(NodeSetting.BrokerHost);
        if (brokerHost is { Length: 0 }) throw reader.Problem(NodeSetting.BrokerHost, "empty: give the host name or address clients should use for this broker");
        brokerHost ??= hostname is "0.0.0.0" or "::" or "[::]" ? null : hostname;
        var dataDir = reader.String(NodeSetting.DataDir);
        if (dataDir.Length == 0) throw reader.Problem(NodeSetting.DataDir, "empty: give the directory for this node's durable state");
        var tls = ResolveTls(reader);
        var seeds = reader.List(NodeSetting.SeedNodes).Select(s => ParseAddress(reader, NodeSetting.SeedNodes, s, tls)).ToArray();

        var kraft = NodeMetadataMode.IsKRaft(fileConfig);
        var store = reader.OptionalString(NodeSetting.Store) ?? "";
        if (store.Length > 0) ParseAddress(reader, NodeSetting.Store, store, tls);
        else if (!kraft && roles.Contains(NodeRoles.Broker) && !roles.Contains(NodeRoles.Store))
            throw reader.Problem(NodeSetting.Store,
                $"a broker on a node without role store needs the store node's address, e.g. {RemotingTls.ProtocolOf(tls)}://actorkafka@127.0.0.1:2552");

        var options = new NodeOptions(dataDir, roles, seeds.Select(s => s.ToString()).ToArray(), hostname, port, Tls: tls);
        // Built without the store role: its SQLite persistence creates the data dir, which only starting the node may do.
        var defaults = NodeConfig.Build(options with { Roles = roles.Where(r => r != NodeRoles.Store).ToArray() });
        var config = NodeLayer(nodeId, options, store, brokerHost).WithFallback(fileConfig).WithFallback(defaults);
        if (kraft) CheckKRaft(reader, config, roles, nodeId, file);
        else CheckRoleSettings(config, roles, file);
        return new NodeSettings(nodeId, roles, seeds, dataDir, hostname, port, store, file, config, tls);
    }

    /// <summary>The resolved values win over anything the file says under akka.* for the same thing.</summary>
    private static Config NodeLayer(int nodeId, NodeOptions options, string store, string? brokerHost)
    {
        var roles = string.Join(", ", options.Roles.Select(NodeConfig.Quote));
        var seeds = string.Join(", ", options.SeedNodes.Select(NodeConfig.Quote));
        var broker = options.HasRole(NodeRoles.Broker) ? $"actorkafka.broker.broker-id = {nodeId}" : "";
        if (options.HasRole(NodeRoles.Broker) && brokerHost is not null) broker += $"\nactorkafka.broker.host = {NodeConfig.Quote(brokerHost)}";
        // In KRaft mode the node id is also the Raft replica's id (a voter's, or an observer's); zk mode never reads it.
        var raft = nodeId >= 0 ? $"actorkafka.raft.node-id = {nodeId}" : "";
        return ConfigurationFactory.ParseString($"""
            actorkafka.node.node-id = {nodeId}
            actorkafka.node.roles = [{roles}]
            actorkafka.node.seed-nodes = [{seeds}]
            actorkafka.node.data-dir = {NodeConfig.Quote(options.DataDir)}
            actorkafka.node.hostname = {NodeConfig.Quote(options.Hostname)}
            actorkafka.node.port = {options.Port}
            akka.remote.dot-netty.tcp.hostname = {NodeConfig.Quote(options.Hostname)}
            akka.remote.dot-netty.tcp.port = {options.Port}
            akka.cluster.roles = [{roles}]
            akka.cluster.seed-nodes = [{seeds}]
            actorkafka.coordination.client.store-address = {NodeConfig.Quote(store)}
            # The host owns the shutdown order (the broker's controlled shutdown before leaving); Akka's
            # own process-exit hook would terminate the system underneath it.
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            {broker}
            {raft}
            {RemotingTls.Hocon(options.Tls)}
            """);
    }

    private static void CheckKRaft(Reader reader, Config config, IReadOnlyList<string> roles, int nodeId, string? file)
    {
        var where = file is null ? "" : $" (in {file} or the defaults)";
        try
        {
            var voters = Raft.RaftSettings.VotersOf(config).Select(v => v.Id).ToArray();
            if (NodeMetadataMode.CheckKRaftRoles(roles, nodeId, voters) is { } problem)
                throw problem.Key == NodeSetting.Roles.Key ? reader.Problem(NodeSetting.Roles, problem.Message) : reader.Problem(NodeSetting.NodeId, problem.Message);
            NodeMetadataMode.CheckKRaftSettings(config, roles, nodeId);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new NodeConfigException(e.Message + where);
        }
    }

    /// <summary>Reads each started role's settings the way the role will, so a bad value stops the node before it starts.</summary>
    private static void CheckRoleSettings(Config config, IReadOnlyList<string> roles, string? file)
    {
        var where = file is null ? "" : $" (in {file} or the defaults)";
        try
        {
            if (roles.Contains(NodeRoles.Store)) StoreSettings.From(config);
            if (!roles.Contains(NodeRoles.Broker)) return;
            var broker = BrokerSettings.From(config);
            ControllerSettings.From(config, broker.BrokerId);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new NodeConfigException(e.Message + where);
        }
    }

    private static Address ParseAddress(Reader reader, NodeSetting setting, string value, RemotingTls? tls)
    {
        var protocol = RemotingTls.ProtocolOf(tls);
        try
        {
            var address = Address.Parse(value);
            if (address.Protocol == protocol && !string.IsNullOrEmpty(address.Host) && address.Port is > 0) return address;
            // The other protocol is a well-formed address of the wrong cluster kind: say which setting decides it.
            if (address.Protocol == RemotingTls.AddressProtocol)
                throw reader.Problem(setting, $"'{value}' is a TLS address, but TLS is off ({NodeSetting.TlsEnabled.Key}): " +
                                              $"turn TLS on or give a {RemotingTls.PlainAddressProtocol}:// address");
            if (address.Protocol == RemotingTls.PlainAddressProtocol)
                throw reader.Problem(setting, $"'{value}' is a plain-TCP address, but TLS is on ({NodeSetting.TlsEnabled.Key}): " +
                                              $"the nodes of a TLS cluster are at {RemotingTls.AddressProtocol}://");
        }
        catch (UriFormatException)
        {
            // Reported below with the expected form.
        }
        throw reader.Problem(setting, $"'{value}' is not a node address like {protocol}://actorkafka@127.0.0.1:2552");
    }

    /// <summary>The flag or environment variable that overrides a setting, if any: flags win.</summary>
    private sealed class Overrides(IReadOnlyDictionary<string, string> flags, Func<string, string?> environment)
    {
        public (string Value, string Source)? Find(NodeSetting setting)
        {
            if (setting.Flag is not null && flags.TryGetValue(setting.Flag, out var flag)) return (flag, setting.Flag);
            var env = environment(setting.EnvironmentVariable);
            return string.IsNullOrEmpty(env) ? null : (env, setting.EnvironmentVariable);
        }
    }

    /// <summary>Reads one setting from its override or from HOCON, and names where a bad value came from.</summary>
    private sealed class Reader(Overrides overrides, Config fileConfig, string? file)
    {
        private readonly Config _config = fileConfig.WithFallback(NodeConfig.NodeDefaults);

        public NodeConfigException Problem(NodeSetting setting, string message)
        {
            var source = Source(setting);
            return new NodeConfigException(source is null ? $"{setting.Key}: {message}" : $"{setting.Key} (from {source}): {message}");
        }

        /// <summary>The flag, variable or file a setting's value came from; null for the defaults.</summary>
        public string? Source(NodeSetting setting) =>
            overrides.Find(setting)?.Source ?? (file is not null && fileConfig.HasPath(setting.Key) ? file : null);

        public string String(NodeSetting setting) => OptionalString(setting) ?? "";

        public string? OptionalString(NodeSetting setting)
        {
            if (overrides.Find(setting) is { } given) return given.Value.Trim();
            return Read(setting, () => _config.HasPath(setting.Key) ? _config.GetString(setting.Key)?.Trim() : null);
        }

        /// <summary>Taken as given: a password's spaces are part of it.</summary>
        public string Secret(NodeSetting setting)
        {
            if (overrides.Find(setting) is { } given) return given.Value;
            return Read(setting, () => _config.HasPath(setting.Key) ? _config.GetString(setting.Key) ?? "" : "");
        }

        public bool Bool(NodeSetting setting)
        {
            if (overrides.Find(setting) is not { } given) return Read(setting, () => _config.GetBoolean(setting.Key));
            return given.Value.Trim().ToLowerInvariant() switch
            {
                "on" or "true" or "yes" => true,
                "off" or "false" or "no" => false,
                _ => throw Problem(setting, $"'{given.Value}' is neither on nor off"),
            };
        }

        public int Int(NodeSetting setting) =>
            OptionalInt(setting) ?? throw Problem(setting, "missing: give a whole number");

        public int? OptionalInt(NodeSetting setting)
        {
            if (overrides.Find(setting) is not { } given) return Read(setting, () => _config.HasPath(setting.Key) ? _config.GetInt(setting.Key) : (int?)null);
            return int.TryParse(given.Value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Problem(setting, $"'{given.Value}' is not a whole number");
        }

        public IReadOnlyList<string> List(NodeSetting setting)
        {
            var values = overrides.Find(setting) is { } given
                ? given.Value.Split(',')
                : Read(setting, () => _config.HasPath(setting.Key) ? _config.GetStringList(setting.Key).ToArray() : []);
            return values.Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
        }

        private T Read<T>(NodeSetting setting, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is not NodeConfigException)
            {
                // A HOCON value of the wrong type (a list where a number belongs, say) surfaces as one of several exceptions.
                throw Problem(setting, $"not a valid value ({e.Message})");
            }
        }
    }
}

/// <summary>Either the node's settings or the reason it cannot start.</summary>
public sealed record NodeConfigResult(NodeSettings? Settings, string? Error)
{
    public static NodeConfigResult Loaded(NodeSettings settings) => new(settings, null);

    public static NodeConfigResult Failed(string error) => new(null, error);
}

/// <summary>The CLI's TLS for remoting (null: plain TCP), or why its settings cannot be used.</summary>
public sealed record TlsConfigResult(RemotingTls? Tls, string? Error);

/// <summary>A setting that stops the node from starting; the message names the file or key.</summary>
public sealed class NodeConfigException(string message) : Exception(message);
