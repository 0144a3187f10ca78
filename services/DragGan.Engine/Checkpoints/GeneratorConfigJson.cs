using System.Text.Json;
using System.Text.Json.Serialization;
using DragGan.Engine.Networks;

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
        };

        public GeneratorConfig ToConfig() => new()
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
}
