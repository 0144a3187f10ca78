using DragGan.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Google.Protobuf;
using InferenceContract = DragGan.Protos.V1.Inference;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// An inference server that answers ListModels and Invert exactly as inference.proto describes
/// (a tiny model, three progress frames, the final one with the latent and preview), while the
/// real Invert is being built. It records the InvertStart it received.
/// </summary>
public sealed class StandInInverter : InferenceContract.InferenceBase, IAsyncLifetime
{
    public const string ModelName = "stand-in";
    public const int NumWs = 2;
    public const int WDim = 4;

    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public InvertStart? LastStart { get; private set; }

    public static Latent Result { get; } = new() { Rows = NumWs, WDim = WDim, Values = { 1, 2, 3, 4, 5, 6, 7, 8 } };

    public static EncodedImage Preview { get; } = new() { Encoding = ImageEncoding.Jpeg, Width = 16, Height = 16, Data = ByteString.CopyFromUtf8("preview") };

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context) => Task.FromResult(new ListModelsResponse
    {
        DefaultModel = ModelName,
        Models = { new ModelInfo { Name = ModelName, Resolution = 16, NumWs = NumWs, WDim = WDim, ZDim = 4 } },
    });

    public override async Task Invert(IAsyncStreamReader<InvertRequest> requestStream, IServerStreamWriter<InvertProgress> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext() || requestStream.Current.KindCase != InvertRequest.KindOneofCase.Start)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "kind must be start first."));
        var start = LastStart = requestStream.Current.Start;
        var steps = start.HasSteps ? start.Steps : 1000;
        if (steps is < 1 or > 10_000)
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"start.steps must be in 1..10000, got {steps}."));
        for (uint step = 1; step < 3; step++)
            await responseStream.WriteAsync(new InvertProgress { Step = step, TotalSteps = 3, Loss = 1.0 / step });
        await responseStream.WriteAsync(new InvertProgress
        {
            Step = 3,
            TotalSteps = 3,
            Latent = Result,
            Preview = start.FrameOptions?.Image is null ? null : Preview,
            Psnr = 30,
            Final = true,
        });
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(e => e.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        // The session service places calls only on replicas whose health check answers SERVING.
        builder.Services.AddGrpcHealthChecks().AddCheck("stand-in", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
        builder.Services.AddSingleton(this);
        _app = builder.Build();
        _app.MapGrpcService<StandInInverter>();
        _app.MapGrpcHealthChecksService();
        await _app.StartAsync();
        Address = _app.Urls.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
