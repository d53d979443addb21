using Xunit.Abstractions;

namespace ActorKafka.Jepsen.Kraft.Tests;

/// <summary>The Jepsen runs (JepsenTests) against a KRaft cluster: three quorum controllers and three brokers.</summary>
public sealed class KraftJepsenTests(KraftJepsenFixture fixture, ITestOutputHelper output) : JepsenTests(fixture, output), IClassFixture<KraftJepsenFixture>;
