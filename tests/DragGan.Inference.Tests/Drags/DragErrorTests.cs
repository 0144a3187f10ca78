using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Google.Protobuf;
using Grpc.Core;

namespace DragGan.Inference.Tests.Drags;

/// <summary>Every bad Drag input gets its status and a message naming the field; the stream's state is never lost.</summary>
public sealed class DragErrorTests(FixtureModelServer server) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;
    private const int Resolution = 256;

    public static TheoryData<string, StatusCode, string> InvalidOpenings => new()
    {
        { "unknown model", StatusCode.NotFound, "'no-such-model'" },
        { "no latent", StatusCode.InvalidArgument, "start.latent " },
        { "latent rows", StatusCode.InvalidArgument, "start.latent.rows " },
        { "latent NaN", StatusCode.InvalidArgument, "start.latent.values " },
        { "no points", StatusCode.InvalidArgument, "start.points " },
        { "point outside", StatusCode.InvalidArgument, "start.points[0].target " },
        { "point infinite", StatusCode.InvalidArgument, "start.points[1].handle " },
        { "too many points", StatusCode.InvalidArgument, "start.points" },
        { "mask size", StatusCode.InvalidArgument, "start.mask.width " },
        { "mask values", StatusCode.InvalidArgument, "start.mask.values " },
        { "learning rate", StatusCode.InvalidArgument, "start.parameters.learning_rate " },
        { "optimized layers", StatusCode.InvalidArgument, "start.parameters.optimized_layers " },
        { "mask weight", StatusCode.InvalidArgument, "start.parameters.mask_weight " },
        { "latent regularization", StatusCode.InvalidArgument, "start.parameters.latent_regularization " },
        { "frame interval", StatusCode.InvalidArgument, "start.frame_options.every_k_steps " },
        { "frame size", StatusCode.InvalidArgument, "start.frame_options.image.size " },
        { "frame beyond twice the model", StatusCode.InvalidArgument, "start.frame_options.image.size is 513; a stream's frames are at most 512 px (2x the model's 256 px)" },
        { "update first", StatusCode.InvalidArgument, "kind " },
        { "empty first", StatusCode.InvalidArgument, "kind " },
        { "resume without state", StatusCode.InvalidArgument, "resume.state " },
        { "resume latent shape", StatusCode.InvalidArgument, "resume.state.latent.values " },
        { "resume handle outside", StatusCode.InvalidArgument, "resume.state.handles[0].handle " },
        { "resume adam size", StatusCode.InvalidArgument, "resume.state.adam" },
        { "resume adam NaN", StatusCode.InvalidArgument, "resume.state.adam.first_moment " },
        { "resume adam negative", StatusCode.InvalidArgument, "resume.state.adam.second_moment " },
    };

    [Theory]
    [MemberData(nameof(InvalidOpenings))]
    public async Task InvalidFirstMessage_GetsItsStatusNamingTheField(string problem, StatusCode status, string field)
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var drag = DragSession.Open(server.Client);
        await drag.SendAsync(await BuildAsync(problem, latent));

        var error = await drag.ReadUntilErrorAsync();

        Assert.Equal(status, error.StatusCode);
        if (status == StatusCode.InvalidArgument)
            Assert.StartsWith(field, error.Status.Detail);
        else
            Assert.Contains(field, error.Status.Detail);
    }

    public static TheoryData<string, string> InvalidUpdates => new()
    {
        { "move index", "update.point_edits[1].move.index " },
        { "remove index", "update.point_edits[2].remove " },
        { "add outside", "update.point_edits[1].add.handle " },
        { "mask and clear", "update.clear_mask " },
        { "space change", "update.parameters.space" },
        { "stop distance", "update.parameters.stop_distance " },
        { "second start", "kind " },
    };

    [Theory]
    [MemberData(nameof(InvalidUpdates))]
    public async Task InvalidUpdate_HandsBackTheUnchangedStateThenFailsNamingTheField(string problem, string field)
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        var start = DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128));
        using var drag = await DragSession.StartAsync(server.Client, start);
        await drag.ReadUntilAsync(f => f.Step >= 1);

        await drag.SendAsync(InvalidUpdate(problem));
        var frames = new List<DragFrame>();
        var error = await drag.ReadUntilErrorAsync(frames);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field, error.Status.Detail);
        var last = frames[^1];
        Assert.NotNull(last.State);
        // Nothing of the update applied: one point, its original target.
        Assert.Single(last.State.Handles);
        Assert.Equal(new Point { X = 130, Y = 128 }, last.State.Handles[0].Target);
    }

    [Fact]
    public async Task OversizeMessage_IsResourceExhausted()
    {
        await using var small = await CustomFixtureServer.StartAsync(("Inference:MaxReceiveMessageBytes", "65536"));
        var latent = await DragRequests.SeedLatentAsync(small.Client, Model);
        var start = DragRequests.Start(Model, latent, null, DragRequests.Pair(100, 128, 130, 128));
        start.Mask = new Mask { Width = Resolution, Height = Resolution, Values = ByteString.CopyFrom(new byte[Resolution * Resolution]) };
        using var drag = DragSession.Open(small.Client);

        try
        {
            await drag.SendAsync(new DragRequest { Start = start });
        }
        catch (RpcException)
        {
            // The server may refuse before the write completes; the status comes with the response.
        }
        var error = await drag.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        // The replica is unharmed: another stream runs.
        using var next = await DragSession.StartAsync(small.Client, DragRequests.Start(Model, latent, null, DragRequests.Pair(100, 128, 130, 128)));
        Assert.NotNull(await next.NextAsync());
    }

    private static DragRequest InvalidUpdate(string problem)
    {
        var update = new DragUpdate();
        switch (problem)
        {
            case "move index":
                update.PointEdits.Add(new PointEdit { Move = new PointMove { Index = 1, Target = new Point { X = 1, Y = 1 } } });
                break;
            case "remove index":
                // After the first removal the edit has no points, so the second is out of range.
                update.PointEdits.Add(new PointEdit { Remove = 0 });
                update.PointEdits.Add(new PointEdit { Remove = 0 });
                break;
            case "add outside":
                update.PointEdits.Add(new PointEdit { Add = DragRequests.Pair(Resolution, 1, 2, 2) });
                break;
            case "mask and clear":
                update.ClearMask = true;
                update.Mask = new Mask { Width = Resolution, Height = Resolution, Values = ByteString.CopyFrom(new byte[Resolution * Resolution]) };
                break;
            case "space change":
                update.Parameters = new DragParameters { Space = LatentSpace.W };
                break;
            case "stop distance":
                update.Parameters = new DragParameters { StopDistance = -1 };
                break;
            case "second start":
                return new DragRequest { Start = new DragStart() };
            default:
                throw new ArgumentException(problem);
        }
        // Every invalid update above also moves the target first, to show nothing applied.
        update.PointEdits.Insert(0, new PointEdit { Move = new PointMove { Index = 0, Target = new Point { X = 10, Y = 10 } } });
        return new DragRequest { Update = update };
    }

    private async Task<DragRequest> BuildAsync(string problem, Latent latent)
    {
        var start = DragRequests.Start(Model, latent, null, DragRequests.Pair(100, 128, 130, 128), DragRequests.Pair(60, 60, 70, 60));
        switch (problem)
        {
            case "unknown model":
                start.Model = "no-such-model";
                break;
            case "no latent":
                start.Latent = null;
                break;
            case "latent rows":
                start.Latent = new Latent { Rows = 3, WDim = latent.WDim };
                break;
            case "latent NaN":
                start.Latent = latent.Clone();
                start.Latent.Values[5] = float.NaN;
                break;
            case "no points":
                start.Points.Clear();
                break;
            case "point outside":
                start.Points[0].Target.X = Resolution;
                break;
            case "point infinite":
                start.Points[1].Handle.Y = double.PositiveInfinity;
                break;
            case "too many points":
                start.Points.AddRange(Enumerable.Range(0, 33).Select(i => DragRequests.Pair(i, i, i + 1, i)));
                break;
            case "mask size":
                start.Mask = new Mask { Width = 128, Height = 128, Values = ByteString.CopyFrom(new byte[128 * 128]) };
                break;
            case "mask values":
                start.Mask = new Mask { Width = Resolution, Height = Resolution, Values = ByteString.CopyFrom(new byte[100]) };
                break;
            case "learning rate":
                start.Parameters.LearningRate = double.NaN;
                break;
            case "optimized layers":
                start.Parameters.OptimizedLayers = 99;
                break;
            case "mask weight":
                start.Parameters.MaskWeight = 1e30;
                break;
            case "latent regularization":
                start.Parameters.LatentRegularization = 1e30;
                break;
            case "frame interval":
                start.FrameOptions.EveryKSteps = 1_000_000;
                break;
            case "frame size":
                start.FrameOptions.Image.Size = 4;
                break;
            case "frame beyond twice the model":
                start.FrameOptions.Image.Size = 513;
                break;
            case "update first":
                return new DragRequest { Update = new DragUpdate() };
            case "empty first":
                return new DragRequest();
            case "resume without state":
                return new DragRequest { Resume = new DragResume() };
            case "resume latent shape":
            case "resume handle outside":
            case "resume adam size":
            case "resume adam NaN":
            case "resume adam negative":
                var state = await ValidStateAsync(latent);
                if (problem == "resume latent shape")
                    state.Latent.Values.RemoveAt(0);
                else if (problem == "resume handle outside")
                    state.Handles[0].Handle = new Point { X = -1, Y = 3 };
                else if (problem == "resume adam NaN")
                    state.Adam.FirstMoment[0] = float.NaN;
                else if (problem == "resume adam negative")
                    state.Adam.SecondMoment[0] = -1;
                else
                    state.Adam.FirstMoment.RemoveAt(0);
                return new DragRequest { Resume = new DragResume { State = state } };
            default:
                throw new ArgumentException(problem);
        }
        return new DragRequest { Start = start };
    }

    /// <summary>A real state: a one-step drag, stopped.</summary>
    private async Task<DragState> ValidStateAsync(Latent latent)
    {
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 1 }, DragRequests.Pair(100, 128, 130, 128)));
        var frame = (await drag.ReadUntilAsync(f => f.State is not null))[^1];
        return frame.State;
    }
}
