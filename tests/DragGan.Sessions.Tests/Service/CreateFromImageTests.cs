using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Core;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// CreateSession from an image: the session service's Invert client against a stand-in that
/// follows inference.proto (the real inference Invert is not there yet; once it is, the same
/// calls run against it).
/// </summary>
public sealed class CreateFromImageTests(StandInInverter inverter, SqliteBackend backend)
    : IClassFixture<StandInInverter>, IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inverter.Address),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TheInversionsResult_IsTheFirstHistoryEntry()
    {
        var response = await _server.Client().CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource
            {
                Image = Image(),
                Options = new InvertOptions { Steps = 3, LearningRate = 0.05, Space = LatentSpace.W },
            },
            ImageOptions = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 16 },
            View = SessionView.Full,
        });

        var entry = Assert.Single(response.Session.History);
        Assert.Equal((HistoryEntryKind.Inverted, 3u), (entry.Kind, entry.Steps));
        Assert.Equal(StandInInverter.Result, entry.Latent);
        Assert.Equal(StandInInverter.Result, response.Session.Latent);
        Assert.Equal(StandInInverter.ModelName, response.Session.Model);
        Assert.Equal(StandInInverter.Preview, response.Image);

        var start = inverter.LastStart!;
        Assert.Equal(StandInInverter.ModelName, start.Model);
        Assert.Equal(Image(), start.Image);
        Assert.Equal((3u, 0.05, LatentSpace.W), (start.Steps, start.LearningRate, start.Space));
        Assert.Equal(ImageEncoding.Jpeg, start.FrameOptions.Image.Encoding);
    }

    [Fact]
    public async Task TheInferenceServicesFieldErrors_NameTheClientsFields()
    {
        var steps = await Assert.ThrowsAsync<RpcException>(() => _server.Client().CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Image = Image(), Options = new InvertOptions { Steps = 20_000 } },
        }).ResponseAsync);
        var initial = await Assert.ThrowsAsync<RpcException>(() => _server.Client().CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Image = Image(), Options = new InvertOptions { InitialLatent = new Latent { Rows = 5, WDim = 4 } } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, steps.StatusCode);
        Assert.StartsWith("image.options.steps ", steps.Status.Detail);
        Assert.StartsWith("image.options.initial_latent.rows ", initial.Status.Detail);
    }

    private static EncodedImage Image() => new() { Encoding = ImageEncoding.Png, Data = ByteString.CopyFrom(1, 2, 3) };
}
