global using Xunit;
global using ActorKafka.Testing;
