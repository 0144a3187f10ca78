using DragGan.Protos.V1;

namespace DragGan.Sessions.Domain;

/// <summary>
/// Passes an upload's inversion frames on to its client as the session API's
/// <see cref="InversionProgress"/>: the numbers only, without the latent, preview or weight delta
/// that the service keeps for the session it creates.
/// </summary>
internal sealed class InversionProgressReporter(IProgress<InversionProgress> client) : IProgress<InvertProgress>
{
    public void Report(InvertProgress value)
    {
        var progress = new InversionProgress
        {
            Step = value.Step,
            TotalSteps = value.TotalSteps,
            Stage = value.Stage,
            Loss = value.Loss,
            Psnr = value.Psnr,
        };
        if (value.HasPerceptualDistance)
            progress.PerceptualDistance = value.PerceptualDistance;
        client.Report(progress);
    }
}
