using System.CommandLine;
using System.Diagnostics;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.ModelTool;

/// <summary>
/// <c>drag [--model faces|demo|PATH] --seed S --point x,y:x2,y2 [...] --steps N --out edited.png</c>: a
/// DragGAN edit run locally, printing every step and writing the first and last frames.
/// </summary>
internal static class DragCommand
{
    public static Command Create()
    {
        var model = SharedOptions.Model();
        var seed = SharedOptions.Seed();
        var psi = SharedOptions.Psi();
        var points = new Option<string[]>("--point", "-p")
        {
            Description = "A handle and its target in image pixels, 'x,y:x2,y2'. Repeat for several pairs.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var steps = new Option<int>("--steps") { Description = "Most steps to take.", DefaultValueFactory = _ => 100 };
        var learningRate = new Option<double?>("--lr") { Description = "Adam learning rate (default: the model's, 0.01 for the face model, else the reference's 0.001)." };
        var output = new Option<string>("--out", "-o") { Description = "Edited image to write (.png or .jpg); the first frame goes beside it as NAME.start.EXT.", Required = true };
        var device = SharedOptions.Device();
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite outputs that exist." };
        var command = new Command("drag", "Drag points of a generated image (DragGAN) and write the result.")
        {
            model, seed, psi, points, steps, learningRate, output, device, force,
        };
        command.SetAction(parse => Run(
            new Request(
                parse.GetRequiredValue(model), parse.GetValue(seed), parse.GetValue(psi), parse.GetRequiredValue(points),
                parse.GetValue(steps), parse.GetValue(learningRate), parse.GetRequiredValue(output),
                parse.GetRequiredValue(device), parse.GetValue(force)),
            parse.InvocationConfiguration.Output));
        return command;
    }

    public sealed record Request(
        string Model, long Seed, double Psi, string[] Points, int Steps, double? LearningRate, string Output, string Device, bool Force);

    public static int Run(Request request, TextWriter stdout)
    {
        SharedOptions.ValidateSeed(request.Seed);
        if (request.Steps is < 1 or > DragParameters.MaxStepsLimit)
            throw new ToolException(ExitCodes.Usage, $"--steps must be between 1 and {DragParameters.MaxStepsLimit}, got {request.Steps}.");
        var pairs = request.Points.Select(ParsePair).ToArray();
        var imageFormat = ImageCodec.FormatFromPath(request.Output)
            ?? throw new ToolException(ExitCodes.Usage, $"--out must end in .png, .jpg or .jpeg, got '{request.Output}'.");
        var startOutput = Path.ChangeExtension(request.Output, ".start" + Path.GetExtension(request.Output));
        OutputFile.EnsureWritable(request.Output, request.Force);
        OutputFile.EnsureWritable(startOutput, request.Force);
        var target = GenerateCommand.ParseDevice(request.Device);

        var (modelName, checkpoint, defaultLearningRate) = ModelSource.Load(request.Model);
        var learningRate = request.LearningRate ?? defaultLearningRate;
        using (checkpoint)
        using (var generator = GeneratorFactory.Create(checkpoint, target))
        using (NewDisposeScope())
        {
            var ws = generator.MapSeed(request.Seed, request.Psi);
            DragEdit edit;
            try
            {
                edit = DragEdit.Start(generator, ws, pairs, parameters: new DragParameters { MaxSteps = request.Steps, LearningRate = learningRate });
            }
            catch (DragInputException e)
            {
                throw new ToolException(ExitCodes.BadInput, e.Message);
            }

            using (edit)
            {
                stdout.WriteLine(Format.Invariant($"Dragging {pairs.Length} point(s) on {modelName} ({generator.Resolution}px), seed {request.Seed}, psi {request.Psi}, lr {learningRate}."));
                var stepper = new DragStepper(generator);
                var clock = Stopwatch.StartNew();
                DragStepResult? last = null;
                while (last is not { Finished: true })
                {
                    last?.Dispose();
                    last = stepper.Step([edit], [edit.Step == 0])[0];
                    if (last.Image is { } first)
                        OutputFile.Write(startOutput, ImageCodec.Encode(first, new ImageEncodeOptions { Format = imageFormat }));
                    stdout.WriteLine(Format.Invariant(
                        $"step {last.Step,4}  handles {string.Join(" ", last.Handles.Select(h => $"({h.X},{h.Y})"))}  distance {last.Distances.Max():F1}px  loss {last.Loss:F4}"));
                }
                var outcome = last.Converged ? "converged" : "reached the step limit";
                stdout.WriteLine(Format.Invariant($"{outcome} after {last.Step} steps in {clock.Elapsed.TotalSeconds:F1} s ({last.Step / clock.Elapsed.TotalSeconds:F2} steps/s)."));
                last.Dispose();

                using var final = generator.Synthesize(edit.CurrentLatent());
                OutputFile.Write(request.Output, ImageCodec.Encode(final.Image!, new ImageEncodeOptions { Format = imageFormat }));
                stdout.WriteLine($"Wrote '{startOutput}' and '{request.Output}'.");
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>'x,y:x2,y2' into a handle and its target.</summary>
    internal static (PixelPoint Handle, PixelPoint Target) ParsePair(string text) =>
        PixelPoint.TryParsePair(text, out var handle, out var target)
            ? (handle, target)
            : throw new ToolException(ExitCodes.Usage, $"--point must look like 'x,y:x2,y2', got '{text}'.");
}
