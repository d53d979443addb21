global using Xunit;
global using ActorKafka.Testing;
global using ActorKafka.Testing.Jepsen;
