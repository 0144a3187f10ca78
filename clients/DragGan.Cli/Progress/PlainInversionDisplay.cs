using DragGan.Protos.V1;

namespace DragGan.Cli.Progress;

/// <summary>
/// A line per <see cref="EverySteps"/> steps, and for the first step of each stage and the last
/// step, so that a log shows how the inversion went without a line per step.
/// </summary>
internal sealed class PlainInversionDisplay(TextWriter output) : InversionDisplay
{
    public const uint EverySteps = 25;

    public override Task<T> ShowAsync<T>(string title, Func<IProgress<InversionProgress>, Task<T>> work) =>
        work(new ThrottledLines(output));

    private sealed class ThrottledLines(TextWriter output) : IProgress<InversionProgress>
    {
        private InversionProgress? _shown;

        public void Report(InversionProgress value)
        {
            // Steps may arrive with gaps (the service skips some for a slow reader): a line is due
            // once the step passes the next multiple, not only on it.
            var due = _shown is null
                || value.Stage != _shown.Stage
                || value.Step / EverySteps > _shown.Step / EverySteps
                || value.Step == value.TotalSteps;
            if (!due)
                return;
            output.WriteLine(Describe(value));
            _shown = value;
        }
    }
}
