using DragGan.Hosting;
using DragGan.Inference.Services;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Inference.Tests;

/// <summary>Each bad input gets its status code and a message that names the field.</summary>
public sealed class ErrorTests(DemoServer server) : IClassFixture<DemoServer>
{
    public static TheoryData<string, string> InvalidGenerateRequests => new()
    {
        { "seed above 2^32-1", "seed.seed" },
        { "psi NaN", "seed.truncation_psi" },
        { "psi infinite", "seed.truncation_psi" },
        { "cutoff 0", "seed.truncation_cutoff" },
        { "cutoff above num_ws", "seed.truncation_cutoff" },
        { "no source", "source" },
        { "latent rows", "latent.rows" },
        { "latent w_dim", "latent.w_dim" },
        { "latent value count", "latent.values" },
        { "latent NaN", "latent.values" },
        { "latent infinite", "latent.values" },
        { "size too small", "image.size" },
        { "size too large", "image.size" },
        { "jpeg quality", "image.jpeg_quality" },
        { "unknown encoding", "image.encoding" },
        { "unknown noise mode", "noise_mode" },
    };

    [Theory]
    [MemberData(nameof(InvalidGenerateRequests))]
    public async Task Generate_InvalidInput_IsInvalidArgumentNamingTheField(string problem, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(Build(problem)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail);
    }

    [Fact]
    public async Task Generate_UnknownModel_IsNotFoundNamingIt()
    {
        var request = GenerateTests.SeedRequest(1);
        request.Model = "no-such-model";

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'no-such-model'", error.Status.Detail);
    }

    [Theory]
    [InlineData("parameters.max_steps must be in 1..100000, got 0.", "parameters.max_steps", "parameters.max_steps must be in 1..100000, got 0.")]
    [InlineData("Must be positive.", "size", "size: Must be positive.")]
    [InlineData("No field.", null, "No field.")]
    public void EngineArgumentErrors_LeadWithTheirParameterName(string message, string? paramName, string expected)
    {
        Assert.Equal(expected, FieldNames.Describe(new ArgumentException(message, paramName)));
    }

    private static GenerateRequest Build(string problem)
    {
        var request = GenerateTests.SeedRequest(1);
        switch (problem)
        {
            case "seed above 2^32-1": request.Seed.Seed = (ulong)uint.MaxValue + 1; break;
            case "psi NaN": request.Seed.TruncationPsi = double.NaN; break;
            case "psi infinite": request.Seed.TruncationPsi = double.PositiveInfinity; break;
            case "cutoff 0": request.Seed.TruncationCutoff = 0; break;
            case "cutoff above num_ws": request.Seed.TruncationCutoff = 15; break;
            case "no source": request.ClearSource(); break;
            case "latent rows": request.Latent = Latent(rows: 3, wDim: 512, count: 3 * 512); break;
            case "latent w_dim": request.Latent = Latent(rows: 14, wDim: 256, count: 14 * 256); break;
            case "latent value count": request.Latent = Latent(rows: 14, wDim: 512, count: 14 * 512 - 1); break;
            case "latent NaN": request.Latent = Latent(rows: 14, wDim: 512, count: 14 * 512, bad: float.NaN); break;
            case "latent infinite": request.Latent = Latent(rows: 1, wDim: 512, count: 512, bad: float.NegativeInfinity); break;
            case "size too small": request.Image = new ImageOptions { Size = 8 }; break;
            case "size too large": request.Image = new ImageOptions { Size = 4096 }; break;
            case "jpeg quality": request.Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, JpegQuality = 101 }; break;
            case "unknown encoding": request.Image = new ImageOptions { Encoding = (ImageEncoding)99 }; break;
            case "unknown noise mode": request.NoiseMode = (NoiseMode)42; break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem, null);
        }
        return request;
    }

    private static Latent Latent(uint rows, uint wDim, int count, float? bad = null)
    {
        var latent = new Latent { Rows = rows, WDim = wDim };
        latent.Values.AddRange(new float[count]);
        if (bad is { } value)
            latent.Values[count / 2] = value;
        return latent;
    }
}
