using DragGan.Engine.Inversion;

namespace DragGan.Engine.Tuning;

/// <summary>
/// What pivotal tuning needs beyond the projection that finds its pivot: the model id its delta
/// will name, the perceptual distance, and the settings.
/// </summary>
public sealed record TuningPlan(string ModelId, IPerceptualDistance Distance, PivotalTuningOptions Options);
