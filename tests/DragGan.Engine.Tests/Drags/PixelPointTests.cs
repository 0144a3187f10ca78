using DragGan.Engine.Drags;

namespace DragGan.Engine.Tests.Drags;

public sealed class PixelPointTests
{
    [Fact]
    public void TryParsePair_ReadsAHandleAndItsTargetInTheInvariantCulture()
    {
        Assert.True(PixelPoint.TryParsePair("61,98:61.5,1.1e2", out var handle, out var target));
        Assert.Equal((new PixelPoint(61, 98), new PixelPoint(61.5, 110)), (handle, target));
    }

    [Theory]
    [InlineData("")]
    [InlineData("61,98")]
    [InlineData("61,98:61")]
    [InlineData("61,98,61,110")]
    [InlineData("61:98:61:110")]
    [InlineData("61,98:61,110:1,1")]
    [InlineData("x,98:61,110")]
    [InlineData("61;98:61;110")]
    public void TryParsePair_RefusesAnythingElse(string text)
    {
        Assert.False(PixelPoint.TryParsePair(text, out _, out _));
    }
}
