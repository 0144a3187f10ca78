using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DragGan.Engine.Imaging;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace DragGan.Inference.Tests.Inversion;

/// <summary>
/// Invert with pivotal tuning over real gRPC on the fixture checkpoint: the pivot's projection and
/// the tuning stream as one inversion, the final frame carries the delta, and Drag and Generate
/// take it back, so that no replica keeps anything of the photo.
/// </summary>
public sealed class PivotalTuningInvertTests(FixtureModelServer server, ITestOutputHelper output) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;
    private const int ProjectionSteps = 12;
    private const int TuningSteps = 12;
    private const int Rank = 2;

    private static readonly SemaphoreSlim TunedOnce = new(1, 1);
    private static (EncodedImage Target, List<InvertProgress> Frames)? _tuned;

    [Fact]
    public async Task Invert_WithPivotalTuning_StreamsBothStagesAndEndsWithTheDelta()
    {
        var (target, frames) = await TunedInversionAsync();

        var progress = frames.Where(f => !f.Final).ToList();
        var final = Assert.Single(frames, f => f.Final);
        Assert.Equal(Enumerable.Range(1, ProjectionSteps + TuningSteps).Select(i => (uint)i), progress.Select(f => f.Step));
        Assert.All(progress, f => Assert.Equal((uint)(ProjectionSteps + TuningSteps), f.TotalSteps));
        Assert.All(progress.Take(ProjectionSteps), f => Assert.Equal(InversionStage.Projection, f.Stage));
        Assert.All(progress.Skip(ProjectionSteps), f => Assert.Equal(InversionStage.Tuning, f.Stage));
        Assert.All(progress.Take(ProjectionSteps), f => Assert.False(f.HasPerceptualDistance));
        Assert.All(progress.Skip(ProjectionSteps), f => Assert.True(f.HasPerceptualDistance && f.PerceptualDistance > 0));
        Assert.Equal(InversionStage.Tuning, final.Stage);

        // Tuning improves the reconstruction at the pivot, which the final frame measures with the delta.
        var pivotPsnr = progress[ProjectionSteps].Psnr;
        output.WriteLine($"PSNR: projection end {progress[ProjectionSteps - 1].Psnr:0.00} dB, pivot {pivotPsnr:0.00} dB, tuned {final.Psnr:0.00} dB; " +
            $"perceptual {progress[ProjectionSteps].PerceptualDistance:0.0000} -> {progress[^1].PerceptualDistance:0.0000}; delta {final.WeightDelta.Length} bytes");
        Assert.True(final.Psnr > pivotPsnr + 0.5, $"PSNR at the pivot {pivotPsnr:0.00} dB, tuned {final.Psnr:0.00} dB");
        Assert.True(progress[^1].PerceptualDistance < progress[ProjectionSteps].PerceptualDistance);
        Assert.False(final.WeightDelta.IsEmpty);
        Assert.Equal(Encoding.ASCII.GetBytes("DGWD"), final.WeightDelta.Span[..4].ToArray());
        // A pivot is a W latent: every row the same.
        Assert.Equal(14u, final.Latent.Rows);
        Assert.All(Enumerable.Range(1, 13), row => Assert.Equal(final.Latent.Values.Take(512), final.Latent.Values.Skip(row * 512).Take(512)));

        // Generate from the pivot with the delta draws what the final frame measured; without it, the untuned pivot.
        var tuned = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Latent = final.Latent, WeightDelta = final.WeightDelta });
        var untuned = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Latent = final.Latent });
        var targetPixels = new RgbImage((int)target.Width, (int)target.Height, target.Data.ToByteArray());
        var tunedPsnr = InvertTests.Psnr(targetPixels, ImageCodec.Decode(tuned.Image.Data.Span));
        var untunedPsnr = InvertTests.Psnr(targetPixels, ImageCodec.Decode(untuned.Image.Data.Span));
        output.WriteLine($"Generate against the target: with the delta {tunedPsnr:0.00} dB, without {untunedPsnr:0.00} dB");
        Assert.InRange(tunedPsnr, final.Psnr - 0.5, final.Psnr + 0.5);
        Assert.True(tunedPsnr > untunedPsnr + 0.5);
    }

    [Fact]
    public async Task ADragWithTheDelta_StepsTheTunedGenerator_AndItsResumeCarriesItToo()
    {
        var (_, frames) = await TunedInversionAsync();
        var final = frames[^1];
        var tuned = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Latent = final.Latent, WeightDelta = final.WeightDelta, Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } });
        var untuned = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Latent = final.Latent, Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } });

        var start = DragRequests.Start(Model, final.Latent, new DragParameters { MaxSteps = 3 }, DragRequests.Pair(100, 128, 130, 128));
        start.WeightDelta = final.WeightDelta;
        start.FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } };
        using var drag = await DragSession.StartAsync(server.Client, start);
        var first = await drag.NextAsync();

        // The first step's image is the tuned generator at w0 (the batched path beside the shared
        // weights against Generate's: the same function, so at most a level here and there).
        Assert.NotNull(first);
        var toTuned = TestPhotos.MeanAbsoluteDifference(first.Image.Data.Span, tuned.Image.Data.Span);
        var toUntuned = TestPhotos.MeanAbsoluteDifference(first.Image.Data.Span, untuned.Image.Data.Span);
        output.WriteLine($"first frame: mean |difference| {toTuned:0.000} levels from the tuned render, {toUntuned:0.000} from the untuned");
        Assert.True(toTuned < 0.05, $"{toTuned} levels from the tuned render");
        Assert.True(toUntuned > 10 * Math.Max(toTuned, 0.01));

        var ended = await drag.ReadUntilAsync(f => f.State is not null);
        var state = ended[^1].State;
        var withDelta = await ResumeFirstFrameAsync(state, final.WeightDelta);
        var withoutDelta = await ResumeFirstFrameAsync(state, ByteString.Empty);
        Assert.True(TestPhotos.MeanAbsoluteDifference(withDelta, tuned.Image.Data.Span) < TestPhotos.MeanAbsoluteDifference(withoutDelta, tuned.Image.Data.Span),
            "a resume with the delta drew the untuned generator");
    }

    public static TheoryData<string, string> BadDeltas => new()
    {
        { "corrupted", "start.weight_delta.checksum " },
        { "truncated", "start.weight_delta.checksum " },
        { "truncated in the values", "start.weight_delta.values " },
        { "not a delta", "start.weight_delta.magic " },
        { "another model", "start.weight_delta.model_id " },
        { "another shape", "start.weight_delta.layers[0].shape " },
        { "another layer count", "start.weight_delta.layer_count " },
        { "oversized", "start.weight_delta is " },
    };

    [Theory]
    [MemberData(nameof(BadDeltas))]
    public async Task ABadDelta_IsRefusedNamingItsField(string problem, string field)
    {
        var (_, frames) = await TunedInversionAsync();
        var good = frames[^1].WeightDelta.ToByteArray();
        var start = DragRequests.Start(Model, frames[^1].Latent, new DragParameters { MaxSteps = 2 }, DragRequests.Pair(100, 128, 130, 128));
        start.WeightDelta = ByteString.CopyFrom(Spoil(good, problem));

        using var drag = await DragSession.StartAsync(server.Client, start);
        var error = await drag.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field, error.Status.Detail);
        var resume = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(
            new GenerateRequest { Model = Model, Latent = frames[^1].Latent, WeightDelta = start.WeightDelta }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, resume.StatusCode);
        Assert.StartsWith(field.Replace("start.", ""), resume.Status.Detail);
    }

    [Fact]
    public async Task TuningSettingsAreChecked()
    {
        foreach (var (start, field) in new (InvertStart, string)[]
        {
            (new InvertStart { Model = Model, TuningSteps = 5 }, "start.tuning_steps "),
            (new InvertStart { Model = Model, PivotalTuning = true, TuningSteps = 0 }, "start.tuning_steps "),
            (new InvertStart { Model = Model, PivotalTuning = true, TuningRank = 65 }, "start.tuning_rank "),
        })
        {
            start.Image = new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = 8, Height = 8, Data = ByteString.CopyFrom(new byte[8 * 8 * 3]) };
            using var call = server.Client.Invert();
            await call.RequestStream.WriteAsync(new InvertRequest { Start = start });
            var error = await Assert.ThrowsAsync<RpcException>(() => InvertTests.ReadAllAsync(call));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.StartsWith(field, error.Status.Detail);
        }
        var seeded = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(
            new GenerateRequest { Model = Model, Seed = new SeedSource { Seed = 1 }, WeightDelta = ByteString.CopyFromUtf8("x") }).ResponseAsync);
        Assert.StartsWith("weight_delta ", seeded.Status.Detail);
    }

    /// <summary>
    /// One tuned inversion for the class (it takes seconds): a "photo" the generator cannot draw
    /// exactly, seed 42's image with a bright square pasted on it.
    /// </summary>
    private async Task<(EncodedImage Target, List<InvertProgress> Frames)> TunedInversionAsync()
    {
        await TunedOnce.WaitAsync();
        try
        {
            if (_tuned is { } done)
                return done;
            var generated = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Seed = new SeedSource { Seed = 42 }, Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } });
            var side = (int)generated.Image.Width;
            var pixels = TestPhotos.WithBrightSquare(generated.Image.Data.Span, side);
            var target = new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = (uint)side, Height = (uint)side, Data = ByteString.CopyFrom(pixels) };

            using var call = server.Client.Invert();
            await call.RequestStream.WriteAsync(new InvertRequest
            {
                Start = new InvertStart
                {
                    Model = Model,
                    Image = target,
                    Steps = ProjectionSteps,
                    LearningRate = 0.03,
                    PivotalTuning = true,
                    TuningSteps = TuningSteps,
                    TuningRank = Rank,
                    FrameOptions = new FrameOptions { EveryKSteps = 6, Image = new ImageOptions { Size = 32 } },
                },
            });
            await call.RequestStream.CompleteAsync();
            _tuned = (target, await InvertTests.ReadAllAsync(call));
            return _tuned.Value;
        }
        finally
        {
            TunedOnce.Release();
        }
    }

    private async Task<byte[]> ResumeFirstFrameAsync(DragState state, ByteString delta)
    {
        var parameters = state.Parameters.Clone();
        parameters.MaxSteps = state.Step + 1;
        var resumed = state.Clone();
        resumed.Parameters = parameters;
        using var drag = DragSession.Open(server.Client);
        await drag.SendAsync(new DragRequest
        {
            Resume = new DragResume { State = resumed, WeightDelta = delta, FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb } } },
        });
        var frame = await drag.NextAsync();
        Assert.NotNull(frame);
        return frame.Image.Data.ToByteArray();
    }

    /// <summary>
    /// A good delta spoiled one way. The layout (docs/inversion-pti.md): magic 4, version u16, kind
    /// u8, model id u16 n + n, rank u16, layer count u16, layers 9 bytes each, fp16 values, SHA-256.
    /// </summary>
    private static byte[] Spoil(byte[] good, string problem)
    {
        var bytes = good.ToArray();
        var idLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(7));
        var rankAt = 9 + idLength;
        var layersAt = rankAt + 4;
        switch (problem)
        {
            case "corrupted":
                bytes[^100] ^= 0x40;
                return bytes;
            case "truncated":
                return bytes[..^10];
            case "truncated in the values":
                return bytes[..(bytes.Length / 2)];
            case "not a delta":
                return Encoding.ASCII.GetBytes("PNG?").Concat(bytes[4..]).ToArray();
            case "another model":
                bytes[9] ^= 0x01; // "tiny" -> "uiny"
                return Resealed(bytes);
            case "another shape":
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(layersAt), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(layersAt)) + 1);
                return Resealed(bytes);
            case "another layer count":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(rankAt + 2), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(rankAt + 2)) + 1));
                return Resealed(bytes);
            case "oversized":
                return new byte[8 << 20];
            default:
                throw new ArgumentException(problem);
        }
    }

    /// <summary>The checksum recomputed, so that the reader gets past it to the field that is wrong.</summary>
    private static byte[] Resealed(byte[] bytes)
    {
        SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }
}
