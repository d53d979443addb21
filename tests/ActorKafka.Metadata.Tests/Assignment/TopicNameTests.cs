using ActorKafka.Metadata;

namespace ActorKafka.Metadata.Tests.Assignment;

public sealed class TopicNameTests
{
    [Theory]
    [InlineData("orders")]
    [InlineData("Orders.v2_eu-west")]
    [InlineData("...")]
    [InlineData("a")]
    [InlineData("__consumer_offsets")]
    [InlineData("0123456789")]
    public void Legal_names_pass(string topic)
    {
        Assert.Null(TopicName.Validate(topic));
    }

    [Fact]
    public void A_name_of_exactly_249_characters_is_legal()
    {
        Assert.Null(TopicName.Validate(new string('x', 249)));
    }

    [Fact]
    public void A_name_of_250_characters_is_too_long()
    {
        var topic = new string('x', 250);

        Assert.Equal($"Topic name is illegal, it can't be longer than 249 characters, Topic name: {topic}", TopicName.Validate(topic));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void An_empty_name_is_illegal(string? topic)
    {
        Assert.Equal("Topic name is illegal, it can't be empty", TopicName.Validate(topic));
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Dot_and_dot_dot_are_illegal(string topic)
    {
        Assert.Equal("Topic name cannot be \".\" or \"..\"", TopicName.Validate(topic));
    }

    [Theory]
    [InlineData("with space")]
    [InlineData("slash/topic")]
    [InlineData("colon:topic")]
    [InlineData("plus+")]
    [InlineData("tab\t")]
    [InlineData("café")]
    [InlineData("ｆｕｌｌｗｉｄｔｈ")]
    public void Characters_outside_ascii_alphanumerics_dot_underscore_and_dash_are_illegal(string topic)
    {
        Assert.Equal(
            $"Topic name \"{topic}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'",
            TopicName.Validate(topic));
    }

    [Fact]
    public void Dots_and_underscores_collide()
    {
        Assert.True(TopicName.HasCollisionChars("a.b"));
        Assert.True(TopicName.HasCollisionChars("a_b"));
        Assert.False(TopicName.HasCollisionChars("a-b"));
        Assert.Equal(TopicName.UnifyCollisionChars("metrics.eu_west"), TopicName.UnifyCollisionChars("metrics_eu.west"));
    }
}
