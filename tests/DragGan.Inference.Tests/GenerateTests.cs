using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Inference.Tests;

/// <summary>Generate and ListModels over real gRPC against the service serving the untrained demo model alone.</summary>
public sealed class GenerateTests(DemoServer server) : IClassFixture<DemoServer>
{
    private const int DemoResolution = 256;
    private const int DemoNumWs = 14;
    private const int DemoWDim = 512;

    [Fact]
    public async Task ListModels_OffersTheDemoModelAsTheDefault()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());

        var model = Assert.Single(response.Models);
        Assert.Equal(DemoModel.Name, model.Name);
        Assert.Equal(DemoModel.Name, response.DefaultModel);
        Assert.True(model.IsDemo);
        Assert.Equal((uint)DemoResolution, model.Resolution);
        Assert.Equal((uint)DemoNumWs, model.NumWs);
        Assert.Equal((uint)DemoWDim, model.WDim);
        Assert.Equal(512u, model.ZDim);
        Assert.Equal(0.7, model.DefaultPsi);
        Assert.False(string.IsNullOrWhiteSpace(model.Description));
    }

    [Fact]
    public async Task Generate_FromSeed_ReturnsPngOfTheModelResolutionAndItsWPlusLatent()
    {
        var response = await server.Client.GenerateAsync(SeedRequest(7));

        Assert.Equal(DemoModel.Name, response.Model);
        Assert.Equal(ImageEncoding.Png, response.Image.Encoding);
        Assert.Equal((uint)DemoResolution, response.Image.Width);
        Assert.Equal((uint)DemoResolution, response.Image.Height);
        Assert.Equal(ImageFormat.Png, ImageCodec.DetectFormat(response.Image.Data.Span));
        var image = ImageCodec.Decode(response.Image.Data.Span);
        Assert.Equal(DemoResolution, image.Width);
        Assert.Equal(DemoResolution, image.Height);
        Assert.True(image.Pixels.Distinct().Count() > 16, "The image should not be flat.");

        Assert.Equal((uint)DemoNumWs, response.Latent.Rows);
        Assert.Equal((uint)DemoWDim, response.Latent.WDim);
        Assert.Equal(DemoNumWs * DemoWDim, response.Latent.Values.Count);
        Assert.All(response.Latent.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public async Task Generate_FedItsOwnLatent_ReproducesTheSameImage()
    {
        var fromSeed = await server.Client.GenerateAsync(SeedRequest(123));

        var fromLatent = await server.Client.GenerateAsync(new GenerateRequest { Latent = fromSeed.Latent });

        Assert.Equal(fromSeed.Latent.Values, fromLatent.Latent.Values);
        Assert.Equal(
            ImageCodec.Decode(fromSeed.Image.Data.Span).Pixels,
            ImageCodec.Decode(fromLatent.Image.Data.Span).Pixels);
    }

    [Fact]
    public async Task Generate_SameSeed_IsDeterministicAndDifferentSeedsDiffer()
    {
        var first = await server.Client.GenerateAsync(SeedRequest(5));
        var again = await server.Client.GenerateAsync(SeedRequest(5));
        var other = await server.Client.GenerateAsync(SeedRequest(6));

        Assert.Equal(first.Image.Data, again.Image.Data);
        Assert.Equal(first.Latent.Values, again.Latent.Values);
        Assert.NotEqual(first.Latent.Values, other.Latent.Values);
    }

    [Fact]
    public async Task Generate_WithOneRowW_BroadcastsItToEveryLayer()
    {
        var w = new Latent { Rows = 1, WDim = DemoWDim };
        w.Values.AddRange(Enumerable.Range(0, DemoWDim).Select(i => MathF.Sin(i * 0.1f)));

        var response = await server.Client.GenerateAsync(new GenerateRequest { Latent = w });

        Assert.Equal((uint)DemoNumWs, response.Latent.Rows);
        for (var row = 0; row < DemoNumWs; row++)
            Assert.Equal(w.Values, response.Latent.Values.Skip(row * DemoWDim).Take(DemoWDim));
    }

    [Fact]
    public async Task Generate_HonoursEncodingAndSize()
    {
        var jpeg = SeedRequest(9);
        jpeg.Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 64, JpegQuality = 80 };
        var raw = SeedRequest(9);
        raw.Image = new ImageOptions { Encoding = ImageEncoding.RawRgb };

        var jpegResponse = await server.Client.GenerateAsync(jpeg);
        var rawResponse = await server.Client.GenerateAsync(raw);

        Assert.Equal(ImageEncoding.Jpeg, jpegResponse.Image.Encoding);
        Assert.Equal(ImageFormat.Jpeg, ImageCodec.DetectFormat(jpegResponse.Image.Data.Span));
        var decoded = ImageCodec.Decode(jpegResponse.Image.Data.Span);
        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        Assert.Equal((64u, 64u), (jpegResponse.Image.Width, jpegResponse.Image.Height));

        Assert.Equal(ImageEncoding.RawRgb, rawResponse.Image.Encoding);
        Assert.Equal(DemoResolution * DemoResolution * 3, rawResponse.Image.Data.Length);
        var png = await server.Client.GenerateAsync(SeedRequest(9));
        Assert.Equal(ImageCodec.Decode(png.Image.Data.Span).Pixels, rawResponse.Image.Data.ToByteArray());
    }

    [Fact]
    public async Task Generate_ConcurrentCalls_AllSucceedWithTheSameResult()
    {
        var calls = Enumerable.Range(0, 4).Select(_ => server.Client.GenerateAsync(SeedRequest(11)).ResponseAsync).ToArray();

        var responses = await Task.WhenAll(calls);

        Assert.All(responses, r => Assert.Equal(responses[0].Image.Data, r.Image.Data));
    }

    [Fact]
    public async Task Generate_MessageOverTheConfiguredReceiveLimit_IsResourceExhausted()
    {
        var huge = new Latent { Rows = DemoNumWs, WDim = DemoWDim };
        huge.Values.AddRange(new float[DemoServer.MaxReceiveMessageBytes / sizeof(float) + 1024]);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(new GenerateRequest { Latent = huge }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    internal static GenerateRequest SeedRequest(ulong seed, double? psi = null)
    {
        var source = new SeedSource { Seed = seed };
        if (psi is { } p)
            source.TruncationPsi = p;
        return new GenerateRequest { Seed = source };
    }
}
