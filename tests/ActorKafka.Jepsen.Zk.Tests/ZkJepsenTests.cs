using Xunit.Abstractions;

namespace ActorKafka.Jepsen.Zk.Tests;

/// <summary>The Jepsen runs (JepsenTests) against a zk-mode cluster: the store node and three brokers.</summary>
public sealed class ZkJepsenTests(ZkJepsenFixture fixture, ITestOutputHelper output) : JepsenTests(fixture, output), IClassFixture<ZkJepsenFixture>;
