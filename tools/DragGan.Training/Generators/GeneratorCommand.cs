using System.CommandLine;

namespace DragGan.Training.Generators;

/// <summary><c>draggan-train generator --out DIR [--minutes M] [...]</c>: the supervised fit of <see cref="GeneratorTrainer"/>.</summary>
internal static class GeneratorCommand
{
    public static Command Create()
    {
        var defaults = new GeneratorRecipe();
        var output = new Option<string>("--out") { Description = "Folder for checkpoints, progress and previews; a run continues from what it holds.", Required = true };
        var minutes = new Option<double>("--minutes") { Description = "Wall-clock time to train in this run.", DefaultValueFactory = _ => 60 };
        var maxImages = new Option<long>("--max-images") { Description = "Stop when this many images have been seen in all runs together.", DefaultValueFactory = _ => long.MaxValue };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "Minutes between checkpoints.", DefaultValueFactory = _ => 5 };
        var resolution = new Option<int>("--resolution") { DefaultValueFactory = _ => defaults.Resolution };
        var channelBase = new Option<int>("--channel-base") { DefaultValueFactory = _ => defaults.ChannelBase };
        var channelMax = new Option<int>("--channel-max") { DefaultValueFactory = _ => defaults.ChannelMax };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<double>("--lr") { DefaultValueFactory = _ => defaults.LearningRate };
        var from = new Option<string?>("--from") { Description = "A face model (.safetensors) to start from when the folder holds no checkpoint: a fine-tune." };
        var adversarial = new Option<double>("--adversarial-weight") { Description = "Weight of the adversarial term beside L1 (0: the supervised fit alone); trains a discriminator beside the generator.", DefaultValueFactory = _ => defaults.AdversarialWeight };
        var discriminatorLr = new Option<double>("--d-lr") { DefaultValueFactory = _ => defaults.DiscriminatorLearningRate };
        var r1Gamma = new Option<double>("--r1-gamma") { DefaultValueFactory = _ => defaults.R1Gamma };
        var warmup = new Option<long>("--adversarial-warmup-images") { Description = "Images the discriminator trains alone, then ramps its weight in over as many.", DefaultValueFactory = _ => defaults.AdversarialWarmupImages };
        var command = new Command("generator", "Fit a StyleGAN2 generator to the face renderer (supervised: z -> the render of a fixed map of z).")
        {
            output, minutes, maxImages, checkpointMinutes, resolution, channelBase, channelMax, batch, learningRate, from, adversarial, discriminatorLr, r1Gamma, warmup,
        };
        command.SetAction(parse =>
        {
            var recipe = defaults with
            {
                Resolution = parse.GetValue(resolution),
                ChannelBase = parse.GetValue(channelBase),
                ChannelMax = parse.GetValue(channelMax),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(learningRate),
                AdversarialWeight = parse.GetValue(adversarial),
                DiscriminatorLearningRate = parse.GetValue(discriminatorLr),
                R1Gamma = parse.GetValue(r1Gamma),
                AdversarialWarmupImages = parse.GetValue(warmup),
            };
            recipe.GeneratorConfig().Validate();
            new GeneratorTrainer(recipe, parse.GetRequiredValue(output), Console.Out, parse.GetValue(from))
                .Run(TimeSpan.FromMinutes(parse.GetValue(minutes)), TimeSpan.FromMinutes(parse.GetValue(checkpointMinutes)), parse.GetValue(maxImages));
            return 0;
        });
        return command;
    }
}
