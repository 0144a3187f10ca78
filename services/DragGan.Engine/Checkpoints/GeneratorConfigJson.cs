using System.Text.Json;
using System.Text.Json.Serialization;
using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// <see cref="GeneratorConfig"/> as the JSON object stored in native checkpoints, with the
/// official init kwargs' snake_case names. Every field is written and every field is required on
/// read, so a later change of a default in <see cref="GeneratorConfig"/> never silently changes
/// what an existing file means. <c>kind</c> (<see cref="GeneratorKindNames"/>) is required from
/// format version 2 on; version 1 files, written before other kinds were read, are StyleGAN2 and
/// have none.
/// </summary>
public static class GeneratorConfigJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    public static string Serialize(GeneratorConfig config) =>
        JsonSerializer.Serialize(Dto.From(config), Options);

    /// <summary>Parses and validates a config; throws <see cref="CheckpointFormatException"/> describing what is wrong.</summary>
    public static GeneratorConfig Deserialize(string json, int formatVersion = NativeCheckpointFormat.CurrentFormatVersion)
    {
        Dto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<Dto>(json, Options);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"Generator config is not valid: {e.Message}", e);
        }
        if (dto is null)
            throw new CheckpointFormatException("Generator config is null.");

        GeneratorKind kind;
        if (formatVersion < 2)
        {
            if (dto.Kind is not null)
                throw new CheckpointFormatException($"Generator config has 'kind' {dto.Kind}, which format_version {formatVersion} does not have.");
            kind = GeneratorKind.StyleGan2;
        }
        else if (!GeneratorKindNames.TryParse(dto.Kind, out kind))
        {
            throw new CheckpointFormatException(
                $"Generator config 'kind' is {(dto.Kind is null ? "missing" : $"'{dto.Kind}'")}; expected one of {string.Join(", ", GeneratorKindNames.All)}.");
        }

        var config = dto.ToConfig() with { Kind = kind };
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"Generator config is out of range: {e.Message}", e);
        }
        return config;
    }

    private sealed record Dto
    {
        [JsonPropertyName("kind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Kind { get; init; }
        [JsonPropertyName("z_dim"), JsonRequired] public int ZDim { get; init; }
        [JsonPropertyName("c_dim"), JsonRequired] public int CDim { get; init; }
        [JsonPropertyName("w_dim"), JsonRequired] public int WDim { get; init; }
        [JsonPropertyName("img_resolution"), JsonRequired] public int ImgResolution { get; init; }
        [JsonPropertyName("img_channels"), JsonRequired] public int ImgChannels { get; init; }
        [JsonPropertyName("mapping_layers"), JsonRequired] public int MappingLayers { get; init; }
        [JsonPropertyName("mapping_lr_multiplier"), JsonRequired] public float MappingLrMultiplier { get; init; }
        [JsonPropertyName("channel_base"), JsonRequired] public int ChannelBase { get; init; }
        [JsonPropertyName("channel_max"), JsonRequired] public int ChannelMax { get; init; }
        [JsonPropertyName("num_fp16_res"), JsonRequired] public int NumFp16Res { get; init; }
        [JsonPropertyName("conv_clamp"), JsonRequired] public float? ConvClamp { get; init; }

        /// <summary>Present exactly for StyleGAN3 generators.</summary>
        [JsonPropertyName("stylegan3"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public StyleGan3Dto? StyleGan3 { get; init; }

        public static Dto From(GeneratorConfig c) => new()
        {
            Kind = GeneratorKindNames.ToName(c.Kind),
            ZDim = c.ZDim,
            CDim = c.CDim,
            WDim = c.WDim,
            ImgResolution = c.ImgResolution,
            ImgChannels = c.ImgChannels,
            MappingLayers = c.MappingLayers,
            MappingLrMultiplier = c.MappingLrMultiplier,
            ChannelBase = c.ChannelBase,
            ChannelMax = c.ChannelMax,
            NumFp16Res = c.NumFp16Res,
            ConvClamp = c.ConvClamp,
            StyleGan3 = c.StyleGan3Config is { } s ? StyleGan3Dto.From(s) : null,
        };

        public GeneratorConfig ToConfig() => StyleGan3 is { } s ? GeneratorConfig.ForStyleGan3(s.ToConfig(this)) : new()
        {
            ZDim = ZDim,
            CDim = CDim,
            WDim = WDim,
            ImgResolution = ImgResolution,
            ImgChannels = ImgChannels,
            MappingLayers = MappingLayers,
            MappingLrMultiplier = MappingLrMultiplier,
            ChannelBase = ChannelBase,
            ChannelMax = ChannelMax,
            NumFp16Res = NumFp16Res,
            ConvClamp = ConvClamp,
        };
    }

    private sealed record StyleGan3Dto
    {
        [JsonPropertyName("num_layers"), JsonRequired] public int NumLayers { get; init; }
        [JsonPropertyName("num_critical"), JsonRequired] public int NumCritical { get; init; }
        [JsonPropertyName("first_cutoff"), JsonRequired] public double FirstCutoff { get; init; }
        [JsonPropertyName("first_stopband"), JsonRequired] public double FirstStopband { get; init; }
        [JsonPropertyName("last_stopband_rel"), JsonRequired] public double LastStopbandRel { get; init; }
        [JsonPropertyName("margin_size"), JsonRequired] public int MarginSize { get; init; }
        [JsonPropertyName("output_scale"), JsonRequired] public double OutputScale { get; init; }
        [JsonPropertyName("conv_kernel"), JsonRequired] public int ConvKernel { get; init; }
        [JsonPropertyName("filter_size"), JsonRequired] public int FilterSize { get; init; }
        [JsonPropertyName("lrelu_upsampling"), JsonRequired] public int LreluUpsampling { get; init; }
        [JsonPropertyName("use_radial_filters"), JsonRequired] public bool UseRadialFilters { get; init; }
        [JsonPropertyName("magnitude_ema_beta"), JsonRequired] public double MagnitudeEmaBeta { get; init; }

        public static StyleGan3Dto From(StyleGan3Config c) => new()
        {
            NumLayers = c.NumLayers,
            NumCritical = c.NumCritical,
            FirstCutoff = c.FirstCutoff,
            FirstStopband = c.FirstStopband,
            LastStopbandRel = c.LastStopbandRel,
            MarginSize = c.MarginSize,
            OutputScale = c.OutputScale,
            ConvKernel = c.ConvKernel,
            FilterSize = c.FilterSize,
            LreluUpsampling = c.LreluUpsampling,
            UseRadialFilters = c.UseRadialFilters,
            MagnitudeEmaBeta = c.MagnitudeEmaBeta,
        };

        public StyleGan3Config ToConfig(Dto shared) => new()
        {
            ZDim = shared.ZDim,
            CDim = shared.CDim,
            WDim = shared.WDim,
            ImgResolution = shared.ImgResolution,
            ImgChannels = shared.ImgChannels,
            MappingLayers = shared.MappingLayers,
            MappingLrMultiplier = shared.MappingLrMultiplier,
            ChannelBase = shared.ChannelBase,
            ChannelMax = shared.ChannelMax,
            NumFp16Res = shared.NumFp16Res,
            ConvClamp = shared.ConvClamp,
            NumLayers = NumLayers,
            NumCritical = NumCritical,
            FirstCutoff = FirstCutoff,
            FirstStopband = FirstStopband,
            LastStopbandRel = LastStopbandRel,
            MarginSize = MarginSize,
            OutputScale = OutputScale,
            ConvKernel = ConvKernel,
            FilterSize = FilterSize,
            LreluUpsampling = LreluUpsampling,
            UseRadialFilters = UseRadialFilters,
            MagnitudeEmaBeta = MagnitudeEmaBeta,
        };
    }
}
