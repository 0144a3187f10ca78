namespace DragGan.Cli.Progress;

/// <summary>How a drag's steps are shown while it runs: a live bar on a terminal, plain lines otherwise.</summary>
internal abstract class DragProgress
{
    public static DragProgress For(CommandContext context) => context.Environment.OutputIsTerminal
        ? new TerminalDragProgress(context.Terminal())
        : new PlainDragProgress(context.Out);

    /// <summary>Runs <paramref name="work"/>, showing each step it reports, until it returns.</summary>
    public abstract Task<T> ShowAsync<T>(string title, uint maxSteps, Func<Action<DragStep>, Task<T>> work);
}
