using ActorKafka.Node.Cli;

// Command output goes to the real stdout; anything a library writes to Console (Akka's standard-out
// logger included) lands on stderr, so stdout carries only what the command prints.
var stdout = Console.Out;
Console.SetOut(Console.Error);
return await CliRunner.RunAsync(args, Console.In, stdout, Console.Error);
