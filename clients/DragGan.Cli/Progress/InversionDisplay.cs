using System.Globalization;
using DragGan.Protos.V1;

namespace DragGan.Cli.Progress;

/// <summary>
/// How an upload's inversion steps are shown while it runs: a live bar on a terminal, otherwise a
/// line on standard error now and then (standard output keeps the session's id alone, for scripts).
/// </summary>
internal abstract class InversionDisplay
{
    public static InversionDisplay For(CommandContext context) => context.Environment.OutputIsTerminal
        ? new TerminalInversionDisplay(context.Terminal())
        : new PlainInversionDisplay(context.Environment.Error);

    /// <summary>Runs <paramref name="work"/>, showing the steps it reports, until it returns.</summary>
    public abstract Task<T> ShowAsync<T>(string title, Func<IProgress<InversionProgress>, Task<T>> work);

    /// <summary><c>step 25/1350 projection PSNR 18.42 dB</c>, with <c>perceptual distance 0.2310</c> where measured (tuning steps).</summary>
    public static string Describe(InversionProgress step)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"step {step.Step}/{step.TotalSteps} {StageName(step.Stage)} PSNR {step.Psnr:F2} dB");
        return step.HasPerceptualDistance
            ? line + string.Create(CultureInfo.InvariantCulture, $" perceptual distance {step.PerceptualDistance:F4}")
            : line;
    }

    private static string StageName(InversionStage stage) => stage switch
    {
        InversionStage.Projection => "projection",
        InversionStage.Tuning => "tuning",
        _ => "inversion",
    };
}
