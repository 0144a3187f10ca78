namespace DragGan.Cli.Progress;

/// <summary>One line per step, for logs and pipes: <c>step 12 distance 8.4 px 9.1 steps/s</c>.</summary>
internal sealed class PlainDragProgress(TextWriter output) : DragProgress
{
    public override Task<T> ShowAsync<T>(string title, uint maxSteps, Func<Action<DragStep>, Task<T>> work) =>
        work(step => output.WriteLine(step.ToLine()));
}
