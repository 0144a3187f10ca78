using System.CommandLine;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.ModelTool;

/// <summary><c>inspect &lt;checkpoint&gt; [--tensors]</c>: the config, tensor count and metadata.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("checkpoint") { Description = "Official network pickle (.pkl) or native checkpoint (.safetensors)." };
        var listTensors = new Option<bool>("--tensors") { Description = "Also list every tensor with its shape." };
        var command = new Command("inspect", "Print a checkpoint's generator config, tensor count and metadata.") { path, listTensors };
        command.SetAction(parse => Run(parse.GetRequiredValue(path), parse.GetValue(listTensors), parse.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(string path, bool listTensors, TextWriter stdout)
    {
        if (!File.Exists(path))
            throw new ToolException(ExitCodes.BadInput, $"Checkpoint '{path}' does not exist.");

        var format = CheckpointLoader.Detect(path);
        GeneratorConfig config;
        IReadOnlyList<(string Name, long[] Shape)> tensors;
        string storage;
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        if (format == CheckpointFormat.Native)
        {
            // The header says everything; the tensor data is not read.
            var info = NativeCheckpointFormat.ReadInfo(path);
            config = info.Config;
            tensors = info.Tensors.Select(t => (t.Name, t.Shape)).ToArray();
            var dtypes = info.Tensors.Select(t => t.DType).Distinct().ToArray();
            storage = Format.Invariant($"native safetensors, format_version {info.FormatVersion}, {string.Join("/", dtypes)}");
            metadata = info.Metadata.Where(p => p.Key != NativeCheckpointFormat.ConfigKey && p.Key != NativeCheckpointFormat.FormatVersionKey)
                .ToDictionary(p => p.Key, p => p.Value);
        }
        else
        {
            using var checkpoint = CheckpointLoader.Load(path, format);
            config = checkpoint.Config;
            tensors = checkpoint.Tensors.Select(p => (p.Key, p.Value.shape)).ToArray();
            storage = config.Kind == GeneratorKind.StyleGan2Tf ? "TF-era network pickle (Gs, converted)" : "network pickle (G_ema)";
        }

        var parameters = tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        var channels = config.StyleGan3Config is null
            ? string.Join(" ", config.BlockResolutions.Select(r => Format.Invariant($"b{r}:{config.ChannelsAt(r)}")))
            : "";
        stdout.WriteLine($"file          {path} ({Format.Bytes(new FileInfo(path).Length)})");
        stdout.WriteLine($"format        {storage}");
        stdout.WriteLine($"kind          {GeneratorKindNames.ToName(config.Kind)}: {GeneratorKindNames.Title(config.Kind)}");
        stdout.WriteLine(Format.Invariant($"resolution    {config.ImgResolution}x{config.ImgResolution}, {config.ImgChannels} channels"));
        if (config.IsRectangular)
        {
            var content = config.Content;
            stdout.WriteLine(Format.Invariant($"content       {content.Width}x{content.Height} at x {content.X}, y {content.Y} (synthesised {config.ImgResolution} high, {content.Width} wide)"));
        }
        stdout.WriteLine(Format.Invariant($"z_dim         {config.ZDim}"));
        stdout.WriteLine(Format.Invariant($"w_dim         {config.WDim}"));
        stdout.WriteLine(Format.Invariant($"num_ws        {config.NumWs}"));
        stdout.WriteLine(Format.Invariant($"mapping       {config.MappingLayers} layers, lr_multiplier {config.MappingLrMultiplier}"));
        if (config.StyleGan3Config is { } styleGan3)
        {
            // StyleGAN3 has no per-resolution blocks: its layers are named L<i>_<size>_<channels>, and the engine runs them in float32.
            var layers = StyleGan3Architecture.For(styleGan3).Layers;
            stdout.WriteLine(Format.Invariant($"layers        {layers.Count} ({string.Join(" ", layers.Select(l => l.Name))})"));
            stdout.WriteLine("precision     float32 on every device");
        }
        else
        {
            stdout.WriteLine(Format.Invariant($"channels      base {config.ChannelBase}, max {config.ChannelMax} ({channels})"));
            stdout.WriteLine(Format.Invariant($"num_fp16_res  {config.NumFp16Res} (fp16 from {config.Fp16Resolution} on CUDA)"));
        }
        stdout.WriteLine($"conv_clamp    {(config.ConvClamp is { } clamp ? Format.Invariant($"{clamp}") : "none")}");
        stdout.WriteLine(Format.Invariant($"tensors       {tensors.Count} ({parameters:N0} values)"));
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            stdout.WriteLine($"metadata      {key} = {value}");
        if (listTensors)
        {
            foreach (var (name, shape) in tensors)
                stdout.WriteLine($"  {name} {Format.Shape(shape)}");
        }
        return ExitCodes.Success;
    }
}
