using Xunit;

namespace ActorKafka.Coordination.Tests.Tree;

/// <summary>ZooKeeper's PathUtils.validatePath rules and the path arithmetic of <see cref="ZnodePath"/>.</summary>
public sealed class ZnodePathTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/a")]
    [InlineData("/a/b")]
    [InlineData("/a/b/c/d/e")]
    [InlineData("/zookeeper")]
    [InlineData("/a.b")]
    [InlineData("/.a")]
    [InlineData("/a.")]
    [InlineData("/..a")]
    [InlineData("/a..")]
    [InlineData("/...")]
    [InlineData("/a/.b/..c/d.")]
    [InlineData("/a b")]
    [InlineData("/brokers/ids/1")]
    [InlineData("/isr_change_notification/isr_change_0000000001")]
    [InlineData("/a-b_c:d@e=f")]
    [InlineData("/ünïcødé")]
    public void Valid_paths_are_accepted(string path)
    {
        Assert.Null(ZnodePath.Validate(path));
        Assert.Null(ZnodePath.ValidateForCreate(path, CreateMode.Persistent));
        Assert.Null(ZnodePath.ValidateForCreate(path, CreateMode.Ephemeral));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a", "relative (no leading slash)")]
    [InlineData("a/b", "relative (no leading slash)")]
    [InlineData(" /a", "leading space")]
    [InlineData("/a/", "trailing slash")]
    [InlineData("//", "trailing slash / empty segment")]
    [InlineData("/a//b", "empty segment")]
    [InlineData("//a", "empty segment")]
    [InlineData("/.", "'.' segment")]
    [InlineData("/..", "'..' segment")]
    [InlineData("/a/.", "'.' segment at the end")]
    [InlineData("/a/..", "'..' segment at the end")]
    [InlineData("/a/./b", "'.' segment in the middle")]
    [InlineData("/a/../b", "'..' segment in the middle")]
    [InlineData("/./a", "'.' segment first")]
    public void Invalid_paths_are_rejected_with_a_reason(string path, string why)
    {
        var reason = ZnodePath.Validate(path);
        Assert.False(reason is null, $"'{path}' should be invalid: {why}");
        Assert.NotEqual("", reason);
        Assert.NotNull(ZnodePath.ValidateForCreate(path, CreateMode.Persistent));
    }

    [Fact]
    public void Null_path_is_rejected()
    {
        Assert.NotNull(ZnodePath.Validate(null));
        Assert.NotNull(ZnodePath.ValidateForCreate(null, CreateMode.Persistent));
        Assert.NotNull(ZnodePath.ValidateForCreate(null, CreateMode.PersistentSequential));
    }

    [Theory]
    [InlineData(0x0000)] // null character
    [InlineData(0x0001)]
    [InlineData(0x0009)] // tab
    [InlineData(0x000A)] // newline
    [InlineData(0x001F)]
    [InlineData(0x007F)] // DEL
    [InlineData(0x0080)]
    [InlineData(0x009F)]
    [InlineData(0xD800)] // surrogates and private use: \ud800-\uf8ff
    [InlineData(0xDFFF)]
    [InlineData(0xE000)]
    [InlineData(0xF8FF)]
    [InlineData(0xFFF0)] // specials: \ufff0-\uffff
    [InlineData(0xFFFE)]
    [InlineData(0xFFFF)]
    public void Control_and_reserved_characters_are_rejected(int code)
    {
        var c = (char)code;
        Assert.NotNull(ZnodePath.Validate("/a" + c));
        Assert.NotNull(ZnodePath.Validate("/a" + c + "b"));
        Assert.NotNull(ZnodePath.Validate("/" + c + "/b"));
        Assert.NotNull(ZnodePath.Validate("/a/b" + c));
        Assert.NotNull(ZnodePath.ValidateForCreate("/a/" + c, CreateMode.PersistentSequential));
    }

    [Theory]
    [InlineData(0x0020)] // space: first char after the C0 controls
    [InlineData(0x007E)] // '~': last char before DEL
    [InlineData(0x00A0)] // first char after the C1 controls
    [InlineData(0xD7FF)] // last char before the surrogates
    [InlineData(0xF900)] // first char after private use
    [InlineData(0xFFEF)] // last char before the specials
    public void Characters_just_outside_the_forbidden_ranges_are_accepted(int code)
    {
        Assert.Null(ZnodePath.Validate("/a" + (char)code));
        Assert.Null(ZnodePath.Validate("/" + (char)code + "/b"));
    }

    [Fact]
    public void Null_character_reason_names_it()
    {
        Assert.Contains("null", ZnodePath.Validate("/a\0b"), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/a/", CreateMode.PersistentSequential)]
    [InlineData("/a/", CreateMode.EphemeralSequential)]
    [InlineData("/", CreateMode.PersistentSequential)]
    [InlineData("/queue/item-", CreateMode.PersistentSequential)]
    [InlineData("/a/b/", CreateMode.EphemeralSequential)]
    [InlineData("/a/.", CreateMode.PersistentSequential)] // validated as "/a/.1"
    [InlineData("/a/..", CreateMode.PersistentSequential)] // validated as "/a/..1"
    [InlineData("/a", CreateMode.PersistentSequential)]
    public void Sequential_create_is_validated_with_a_digit_appended(string path, CreateMode mode)
    {
        Assert.Null(ZnodePath.ValidateForCreate(path, mode));
    }

    [Theory]
    [InlineData("/a/", CreateMode.Persistent)]
    [InlineData("/a/", CreateMode.Ephemeral)]
    [InlineData("/a/.", CreateMode.Persistent)]
    [InlineData("/a//", CreateMode.PersistentSequential)] // "/a//1": empty segment
    [InlineData("//", CreateMode.EphemeralSequential)]
    [InlineData("a/", CreateMode.PersistentSequential)]
    [InlineData("", CreateMode.PersistentSequential)]
    [InlineData("/./", CreateMode.PersistentSequential)] // "/./1": '.' segment
    [InlineData("/../", CreateMode.EphemeralSequential)]
    public void Invalid_create_paths_are_rejected(string path, CreateMode mode)
    {
        Assert.NotNull(ZnodePath.ValidateForCreate(path, mode));
    }

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a", "/")]
    [InlineData("/a/b", "/a")]
    [InlineData("/a/b/c", "/a/b")]
    [InlineData("/brokers/ids/17", "/brokers/ids")]
    [InlineData("/0000000003", "/")]
    public void Parent_of_a_path(string path, string parent)
    {
        Assert.Equal(parent, ZnodePath.Parent(path));
    }

    [Theory]
    [InlineData("/a", "a")]
    [InlineData("/a/b", "b")]
    [InlineData("/a/b/node-0000000012", "node-0000000012")]
    [InlineData("/", "")]
    public void Name_of_a_path(string path, string name)
    {
        Assert.Equal(name, ZnodePath.Name(path));
    }

    [Theory]
    [InlineData("/", "a", "/a")]
    [InlineData("/a", "b", "/a/b")]
    [InlineData("/a/b", "c", "/a/b/c")]
    public void Join_is_the_inverse_of_parent_and_name(string parent, string child, string path)
    {
        Assert.Equal(path, ZnodePath.Join(parent, child));
        Assert.Equal(parent, ZnodePath.Parent(path));
        Assert.Equal(child, ZnodePath.Name(path));
    }

    [Theory]
    [InlineData("/a/n-", 0, "/a/n-0000000000")]
    [InlineData("/a/n-", 7, "/a/n-0000000007")]
    [InlineData("/a/", 42, "/a/0000000042")]
    [InlineData("/", 3, "/0000000003")]
    [InlineData("/q/x", 1234567890, "/q/x1234567890")]
    [InlineData("/q/x", int.MaxValue, "/q/x2147483647")]
    public void Sequential_names_have_ten_zero_padded_digits(string path, int cversion, string expected)
    {
        var name = ZnodePath.SequentialName(path, cversion);
        Assert.Equal(expected, name);
        Assert.Equal(path.Length + 10, name.Length);
        Assert.Null(ZnodePath.Validate(name));
    }
}
