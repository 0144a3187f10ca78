using System.Text.Json;
using System.Text.Json.Serialization;

namespace DragGan.Training.Detection;

/// <summary>How far a detector's training has come, saved beside its weights so that a restarted run continues the count.</summary>
internal sealed record DetectorProgress(
    [property: JsonPropertyName("images")] long Images,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    public static DetectorProgress Load(string path) =>
        JsonSerializer.Deserialize<DetectorProgress>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} holds no progress.");

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this));
}
