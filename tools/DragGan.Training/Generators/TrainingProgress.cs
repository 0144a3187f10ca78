using System.Text.Json;
using System.Text.Json.Serialization;

namespace DragGan.Training.Generators;

/// <summary>Where a training run stands, saved beside its checkpoints so that a restarted run continues the count.</summary>
public sealed record TrainingProgress
{
    [JsonPropertyName("images_seen")] public long ImagesSeen { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    /// <summary>Images seen when the discriminator started (its warm-up counts from there); null without one.</summary>
    [JsonPropertyName("adversarial_start_images"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? AdversarialStartImages { get; init; }
    [JsonPropertyName("history")] public List<TrainingSnapshot> History { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static TrainingProgress Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<TrainingProgress>(File.ReadAllText(path)) ?? new() : new();

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
}

/// <summary>
/// One checkpoint's figures: the training loss averaged since the last one, the EMA model's mean
/// absolute error on fixed held-out latents (pixels in [-1, 1]), and, with an adversarial term,
/// the discriminator's loss averaged since the last one.
/// </summary>
public sealed record TrainingSnapshot(
    [property: JsonPropertyName("images_seen")] long ImagesSeen,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("train_loss")] double TrainLoss,
    [property: JsonPropertyName("validation_l1")] double ValidationL1,
    [property: JsonPropertyName("discriminator_loss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DiscriminatorLoss = null);
