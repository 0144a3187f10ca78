using DragGan.Engine.Inversion;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Inversion;

public sealed class NoiseRegularizationTests
{
    [Fact]
    public void ConstantBufferScoresOnePerDirectionAndScale()
    {
        // mean(n * roll(n))^2 = 1 along x and along y at 16x16 and again at 8x8 after pooling; 4x4 alone.
        using var scope = NewDisposeScope();
        Assert.Equal(4.0, NoiseRegularization.Penalty([torch.ones(16, 16)]).item<float>(), 6);
        Assert.Equal(2.0, NoiseRegularization.Penalty([torch.ones(4, 4)]).item<float>(), 6);
        Assert.Equal(6.0, NoiseRegularization.Penalty([torch.ones(16, 16), torch.ones(8, 8)]).item<float>(), 6);
    }

    [Fact]
    public void MatchesTheAutocorrelationSumWrittenOut()
    {
        using var scope = NewDisposeScope();
        var buffer = torch.randn(new long[] { 16, 16 }, generator: new torch.Generator(7, CPU));
        var values = buffer.data<float>().ToArray();

        var expected = 0.0;
        var (size, grid) = (16, values.Select(v => (double)v).ToArray());
        while (true)
        {
            double x = 0, y = 0;
            for (var r = 0; r < size; r++)
            {
                for (var c = 0; c < size; c++)
                {
                    // roll by one: the neighbour one before, wrapping around.
                    x += grid[r * size + c] * grid[r * size + (c + size - 1) % size];
                    y += grid[r * size + c] * grid[(r + size - 1) % size * size + c];
                }
            }
            expected += Math.Pow(x / (size * size), 2) + Math.Pow(y / (size * size), 2);
            if (size <= 8)
                break;
            var half = size / 2;
            var pooled = new double[half * half];
            for (var r = 0; r < half; r++)
                for (var c = 0; c < half; c++)
                    pooled[r * half + c] = (grid[2 * r * size + 2 * c] + grid[2 * r * size + 2 * c + 1] + grid[(2 * r + 1) * size + 2 * c] + grid[(2 * r + 1) * size + 2 * c + 1]) / 4;
            (size, grid) = (half, pooled);
        }

        Assert.Equal(expected, NoiseRegularization.Penalty([buffer]).item<float>(), 1e-6);
    }

    [Fact]
    public void NormalizeGivesZeroMeanAndUnitMeanSquare()
    {
        using var scope = NewDisposeScope();
        var buffer = torch.randn(32, 32).mul(3).add(2);
        NoiseRegularization.Normalize(buffer);
        Assert.Equal(0, buffer.mean().item<float>(), 5);
        Assert.Equal(1, buffer.square().mean().item<float>(), 5);
    }
}
