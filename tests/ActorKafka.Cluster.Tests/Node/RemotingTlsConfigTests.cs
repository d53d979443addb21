using ActorKafka.Node.Cli;
using ActorKafka.Node.Hosting;

namespace ActorKafka.Cluster.Tests.Node;

/// <summary>
/// actorkafka.node.tls: how it lands on Akka's transport keys, and every way it can be wrong, which
/// stops a node (exit 2, nothing started) or a client command before anything is started.
/// </summary>
public sealed class RemotingTlsConfigTests : IDisposable
{
    private const string Password = "pfx password";
    private readonly string _dir = NodeTestPaths.NewDataDir();
    private readonly string _dataDir;
    private readonly string _certificate;

    public RemotingTlsConfigTests()
    {
        Directory.CreateDirectory(_dir);
        _dataDir = Path.Combine(_dir, "node-data");
        _certificate = TestCertificates.WritePfx(_dir, "node", Password);
    }

    public void Dispose() => NodeTestPaths.Delete(_dir);

    private static Func<string, string?> Variables(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private async Task AssertNodeRefusedAsync(string expected, Func<string, string?> environment, params string[] args)
    {
        var run = await CliRun.RunAsync(environment, ["node", "--roles", "store", "--data-dir", _dataDir, "--port", "0", .. args]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.Empty(run.Stdout);
        Assert.False(Directory.Exists(_dataDir), "nothing may start, not even the data dir");
    }

    private NodeSettings Load(Dictionary<string, string> flags, params (string Name, string Value)[] variables)
    {
        var loaded = NodeConfigLoader.Load(flags, Variables(variables));
        Assert.True(loaded.Error is null, loaded.Error);
        return loaded.Settings!;
    }

    [Fact]
    public void Tls_settings_map_onto_the_transports_ssl_keys_and_win_over_the_files_akka_keys()
    {
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, """
            actorkafka.node { roles = ["store"], tls { enabled = on, suppress-validation = on } }
            akka.remote.dot-netty.tcp.ssl.suppress-validation = off
            """);

        var settings = Load(new() { ["--config"] = file, ["--tls-certificate"] = _certificate },
            ("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password));

        Assert.Equal(new RemotingTls(_certificate, Password, SuppressValidation: true), settings.Tls);
        var transport = settings.Config.GetConfig("akka.remote.dot-netty.tcp");
        Assert.True(transport.GetBoolean("enable-ssl"));
        Assert.Equal(_certificate, transport.GetString("ssl.certificate.path"));
        Assert.Equal(Password, transport.GetString("ssl.certificate.password"));
        Assert.True(transport.GetBoolean("ssl.suppress-validation"));
        Assert.True(transport.GetBoolean("ssl.require-mutual-authentication"));
    }

    [Fact]
    public void Tls_is_off_by_default_even_where_a_file_turns_the_transports_ssl_on()
    {
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, "actorkafka.node.roles = [\"store\"]\nakka.remote.dot-netty.tcp.enable-ssl = on");

        var settings = Load(new() { ["--config"] = file });

        Assert.Null(settings.Tls);
        Assert.False(settings.Config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
    }

    [Fact]
    public void The_ready_include_turns_tls_on_with_the_certificate_from_the_environment_and_the_including_file_overrides_it()
    {
        var include = Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", "remoting-tls.conf");
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, $"include \"{include}\"\nactorkafka.node.roles = [\"store\"]\n");
        var overriding = Path.Combine(_dir, "trial.conf");
        File.WriteAllText(overriding, $"include \"{include}\"\nactorkafka.node.roles = [\"store\"]\nactorkafka.node.tls.suppress-validation = on\n");

        var settings = Load(new() { ["--config"] = file },
            ("ACTORKAFKA_TLS_CERTIFICATE", _certificate), ("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password));
        var trial = Load(new() { ["--config"] = overriding },
            ("ACTORKAFKA_TLS_CERTIFICATE", _certificate), ("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password));

        Assert.Equal(new RemotingTls(_certificate, Password, SuppressValidation: false), settings.Tls);
        Assert.True(settings.Config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.False(settings.Config.GetBoolean("akka.remote.dot-netty.tcp.ssl.suppress-validation"));
        Assert.Equal(new RemotingTls(_certificate, Password, SuppressValidation: true), trial.Tls);
    }

    [Fact]
    public void The_ready_include_without_its_certificate_names_the_key_the_file_and_the_missing_certificate()
    {
        var include = Path.Combine(NodeTestPaths.RepositoryRoot(), "hocon", "remoting-tls.conf");
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, $"include \"{include}\"\nactorkafka.node.roles = [\"store\"]\n");

        var loaded = NodeConfigLoader.LoadFile(file);

        Assert.Null(loaded.Settings);
        Assert.StartsWith($"actorkafka.node.tls.certificate-path (from {file}): ", loaded.Error);
        Assert.EndsWith(": not found", loaded.Error);
    }

    [Fact]
    public void A_missing_include_names_both_files()
    {
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, "include \"tls.conf\"\nactorkafka.node.roles = [\"store\"]\n");

        var loaded = NodeConfigLoader.LoadFile(file);

        Assert.Equal($"{file}: include \"tls.conf\": {Path.Combine(_dir, "tls.conf")} not found", loaded.Error);
    }

    [Fact]
    public void An_include_loop_is_refused_rather_than_followed()
    {
        var file = Path.Combine(_dir, "loop.conf");
        File.WriteAllText(file, "include \"loop.conf\"\nactorkafka.node.roles = [\"store\"]\n");

        var loaded = NodeConfigLoader.LoadFile(file);

        Assert.Equal($"{file}: include \"loop.conf\": includes nest deeper than 8 files (an include loop?)", loaded.Error);
    }

    [Fact]
    public void An_included_file_with_a_substitution_is_refused_with_the_reason()
    {
        var included = Path.Combine(_dir, "ports.conf");
        File.WriteAllText(included, "base-port = 2552\nactorkafka.node.port = ${base-port}\n");
        var file = Path.Combine(_dir, "node.conf");
        File.WriteAllText(file, "include \"ports.conf\"\nactorkafka.node.roles = [\"store\"]\n");

        var loaded = NodeConfigLoader.LoadFile(file);

        Assert.Equal($"{included}: an included file cannot use substitutions (${{base-port}}): Akka's HOCON parser cannot resolve them there; " +
                     $"included from {file}", loaded.Error);
    }

    [Fact]
    public Task Tls_without_a_certificate_is_refused() =>
        AssertNodeRefusedAsync("actorkafka.node.tls.certificate-path: empty: with TLS enabled give the PKCS#12 (.pfx) file",
            Variables(), "--tls-enabled", "on");

    [Fact]
    public Task A_missing_certificate_file_is_named_with_its_key()
    {
        var missing = Path.Combine(_dir, "missing.pfx");
        return AssertNodeRefusedAsync($"actorkafka.node.tls.certificate-path (from --tls-certificate): {missing}: not found",
            Variables(), "--tls-enabled", "on", "--tls-certificate", missing);
    }

    [Fact]
    public Task A_file_that_is_not_pkcs12_is_named()
    {
        var garbage = Path.Combine(_dir, "garbage.pfx");
        File.WriteAllText(garbage, "not a certificate");
        return AssertNodeRefusedAsync(
            $"actorkafka.node.tls.certificate-path (from ACTORKAFKA_TLS_CERTIFICATE): {garbage}: cannot be opened as a PKCS#12 (.pfx) file with no password",
            Variables(("ACTORKAFKA_TLS_ENABLED", "on"), ("ACTORKAFKA_TLS_CERTIFICATE", garbage)));
    }

    [Fact]
    public Task A_wrong_password_is_refused_naming_the_file_and_where_the_password_came_from() =>
        AssertNodeRefusedAsync(
            $"actorkafka.node.tls.certificate-path (from --tls-certificate): {_certificate}: cannot be opened as a PKCS#12 (.pfx) file " +
            "with the password from ACTORKAFKA_TLS_CERTIFICATE_PASSWORD",
            Variables(("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", "wrong")), "--tls-enabled", "on", "--tls-certificate", _certificate);

    [Fact]
    public Task A_certificate_without_its_private_key_is_refused()
    {
        var publicOnly = TestCertificates.WritePfx(_dir, "public-only", Password, withPrivateKey: false);
        return AssertNodeRefusedAsync($"{publicOnly}: holds no private key",
            Variables(("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password)), "--tls-enabled", "on", "--tls-certificate", publicOnly);
    }

    [Fact]
    public Task A_tls_switch_that_is_neither_on_nor_off_is_named() =>
        AssertNodeRefusedAsync("actorkafka.node.tls.enabled (from ACTORKAFKA_TLS_ENABLED): 'maybe' is neither on nor off",
            Variables(("ACTORKAFKA_TLS_ENABLED", "maybe")));

    [Fact]
    public Task A_plain_tcp_seed_is_refused_when_tls_is_on() =>
        AssertNodeRefusedAsync(
            "actorkafka.node.seed-nodes (from --seed-nodes): 'akka.tcp://actorkafka@127.0.0.1:2552' is a plain-TCP address, but TLS is on",
            Variables(("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password)), "--tls-enabled", "on", "--tls-certificate", _certificate,
            "--seed-nodes", "akka.tcp://actorkafka@127.0.0.1:2552");

    [Fact]
    public Task A_tls_store_address_is_refused_when_tls_is_off() =>
        AssertNodeRefusedAsync(
            "actorkafka.coordination.client.store-address (from --store): 'akka.ssl.tcp://actorkafka@127.0.0.1:2552' is a TLS address, but TLS is off",
            Variables(), "--store", "akka.ssl.tcp://actorkafka@127.0.0.1:2552");

    [Fact]
    public async Task A_client_command_with_a_broken_tls_environment_is_refused_naming_the_variable_and_file()
    {
        var missing = Path.Combine(_dir, "missing.pfx");
        var run = await CliRun.RunAsync(Variables(("ACTORKAFKA_TLS_ENABLED", "on"), ("ACTORKAFKA_TLS_CERTIFICATE", missing)),
            "cluster", "describe", "--store", "akka.ssl.tcp://actorkafka@127.0.0.1:2552");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Equal($"actorkafka: actorkafka.node.tls.certificate-path (from ACTORKAFKA_TLS_CERTIFICATE): {missing}: not found",
            run.Stderr.TrimEnd());
    }

    [Theory]
    [InlineData(true, "'akka.tcp://actorkafka@127.0.0.1:2552' is a plain-TCP address, but ACTORKAFKA_TLS_ENABLED is on")]
    [InlineData(false, "'akka.ssl.tcp://actorkafka@127.0.0.1:2553' is the address of a TLS node: set ACTORKAFKA_TLS_ENABLED=on")]
    public async Task A_client_command_given_an_address_of_the_other_protocol_is_refused_before_it_starts(bool tls, string expected)
    {
        var environment = tls
            ? Variables(("ACTORKAFKA_TLS_ENABLED", "on"), ("ACTORKAFKA_TLS_CERTIFICATE", _certificate), ("ACTORKAFKA_TLS_CERTIFICATE_PASSWORD", Password))
            : Variables();
        var addresses = tls ? "akka.ssl.tcp://actorkafka@127.0.0.1:2553,akka.tcp://actorkafka@127.0.0.1:2552"
            : "akka.tcp://actorkafka@127.0.0.1:2552,akka.ssl.tcp://actorkafka@127.0.0.1:2553";

        var run = await CliRun.RunAsync(environment, "produce", "--bootstrap-brokers", addresses, "--topic", "t");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }
}
