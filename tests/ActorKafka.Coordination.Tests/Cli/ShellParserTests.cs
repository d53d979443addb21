using ActorKafka.Node.Cli;

namespace ActorKafka.Coordination.Tests.Cli;

public sealed class ShellParserTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("# create /a")]
    public void Blank_lines_and_comments_are_nothing(string line) => Assert.IsType<ShellNothing>(ShellParser.Parse(line));

    [Fact]
    public void Quotes_group_words_and_data_after_the_path_may_start_with_a_dash()
    {
        var quoted = Assert.IsType<CreateRequest>(Assert.IsType<ShellRequest>(ShellParser.Parse("create -e '/a' \"x  y\"")).Request);
        Assert.Equal(("/a", "x  y", CreateMode.Ephemeral), (quoted.Path, System.Text.Encoding.UTF8.GetString(quoted.Data), quoted.Mode));

        var dashed = Assert.IsType<SetDataRequest>(Assert.IsType<ShellRequest>(ShellParser.Parse("set -v -1 /a -5")).Request);
        Assert.Equal(("/a", "-5", -1), (dashed.Path, System.Text.Encoding.UTF8.GetString(dashed.Data), dashed.Version));
    }

    [Fact]
    public void Flags_map_to_the_request()
    {
        Assert.Equal(new ShellRequest(new GetChildrenRequest("/a", Watch: true, IncludeStat: true), ShowStat: true), ShellParser.Parse("ls -s -w /a"));
        Assert.Equal(new ShellRequest(new ExistsRequest("/a", Watch: true)), ShellParser.Parse("stat -w /a"));
        Assert.Equal(new ShellRequest(new DeleteRequest("/a", 3)), ShellParser.Parse("delete -v 3 /a"));
        Assert.Equal(new ShellRequest(new SyncRequest("/")), ShellParser.Parse("sync"));
        Assert.Equal(CreateMode.PersistentSequential,
            Assert.IsType<CreateRequest>(Assert.IsType<ShellRequest>(ShellParser.Parse("create -s /q- x")).Request).Mode);
        Assert.IsType<ShellClose>(ShellParser.Parse("close"));
    }

    [Theory]
    [InlineData("get -x /a", "unknown option '-x'; usage: get [-s] [-w] PATH")]
    [InlineData("set /a", "missing DATA; usage: set [-v VERSION] PATH DATA")]
    [InlineData("set", "missing PATH and DATA; usage: set [-v VERSION] PATH DATA")]
    [InlineData("delete -v", "-v needs a VERSION; usage: delete [-v VERSION] PATH")]
    [InlineData("get /a b", "unexpected argument 'b' (quote DATA that contains spaces); usage: get [-s] [-w] PATH")]
    [InlineData("close now", "unexpected argument 'now' (quote DATA that contains spaces); usage: close")]
    public void Usage_errors_say_what_was_wrong_and_the_usage(string line, string message) =>
        Assert.Equal(new ShellUsageError(message), ShellParser.Parse(line));

    [Fact]
    public void An_unterminated_quote_is_a_usage_error() =>
        Assert.StartsWith("unterminated \" quote", Assert.IsType<ShellUsageError>(ShellParser.Parse("create /a \"x")).Message);
}
