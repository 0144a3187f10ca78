using System.CommandLine;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Drags;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Training.Showcase;

/// <summary>
/// <c>draggan-train showcase --out DIR [--model PATH] [...]</c>: the README's pictures of a face
/// model (<see cref="FaceShowcase"/>): <c>seeds-0-N.png</c> and one drag as <c>NAME.png</c>.
/// </summary>
internal static class ShowcaseCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the pictures.", Required = true };
        var model = new Option<string?>("--model") { Description = "A face model checkpoint (default: the built-in faces-128)." };
        var seeds = new Option<int>("--seeds") { Description = "Seeds 0 .. N-1 in a row.", DefaultValueFactory = _ => 8 };
        var psi = new Option<double>("--psi") { Description = "Truncation psi of every picture.", DefaultValueFactory = _ => 0.7 };
        var dragSeed = new Option<long>("--drag-seed") { Description = "The seed to drag.", DefaultValueFactory = _ => 7 };
        var point = new Option<string>("--point") { Description = "Handle and target, 'x,y:x2,y2' in image pixels.", DefaultValueFactory = _ => "61,98:61,110" };
        var steps = new Option<int>("--steps") { Description = "Most steps of the drag.", DefaultValueFactory = _ => 80 };
        var learningRate = new Option<double>("--lr") { Description = "Adam's step size of the drag.", DefaultValueFactory = _ => FacesModel.DefaultLearningRate };
        var name = new Option<string>("--name") { Description = "File name (without .png) of the drag's before | after pair.", DefaultValueFactory = _ => "drag-chin-seed7" };
        var scale = new Option<int>("--scale") { Description = "Upscaling of the drag's pictures.", DefaultValueFactory = _ => 2 };
        point.Validators.Add(result =>
        {
            if (!PixelPoint.TryParsePair(result.GetValueOrDefault<string>() ?? "", out _, out _))
                result.AddError($"--point must look like 'x,y:x2,y2', got '{result.GetValueOrDefault<string>()}'.");
        });
        seeds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--seeds must be at least 1.");
        });
        var command = new Command("showcase", "Draw a face model's seeds in a row and one drag's before | after pair.")
        {
            output, model, seeds, psi, dragSeed, point, steps, learningRate, name, scale,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetRequiredValue(output);
            Directory.CreateDirectory(folder);
            using var checkpoint = parse.GetValue(model) is { } path ? CheckpointLoader.Load(path) : FacesModel.CreateCheckpoint();
            using var generator = GeneratorFactory.Create(checkpoint, CPU);
            var showcase = new FaceShowcase(generator, Console.Out);

            var count = parse.GetValue(seeds);
            File.WriteAllBytes(Path.Combine(folder, $"seeds-0-{count - 1}.png"), showcase.SeedRow(count, parse.GetValue(psi)));
            // The option's validator has checked the text.
            PixelPoint.TryParsePair(parse.GetRequiredValue(point), out var handle, out var target);
            try
            {
                var (png, _) = showcase.Drag(parse.GetValue(dragSeed), parse.GetValue(psi), handle, target,
                    parse.GetValue(steps), parse.GetValue(learningRate), parse.GetValue(scale));
                File.WriteAllBytes(Path.Combine(folder, parse.GetRequiredValue(name) + ".png"), png);
                return 0;
            }
            catch (ArgumentException e)
            {
                // The engine's own check of the drag (points inside the image, steps, learning rate).
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }
}
