using ActorKafka.Node.Cli;

// Command output goes to the real stdout; anything a library writes to Console (Akka's standard-out
// logger included) lands on stderr, so stdout carries only what the command prints.
var stdout = Console.Out;
Console.SetOut(Console.Error);
// Only the node stops gracefully on SIGTERM/Ctrl-C; the other commands keep the default of ending at once.
using var signals = CommandLine.Parse(args) is NodeCommandOptions ? new ShutdownSignals() : null;
return await CliRunner.RunAsync(args, Console.In, stdout, Console.Error, signals?.Token ?? CancellationToken.None);
