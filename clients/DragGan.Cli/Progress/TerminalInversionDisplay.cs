using DragGan.Protos.V1;
using Spectre.Console;

namespace DragGan.Cli.Progress;

/// <summary>A live progress bar: steps out of the total, with the stage, PSNR and perceptual distance in its description.</summary>
internal sealed class TerminalInversionDisplay(IAnsiConsole console) : InversionDisplay
{
    public override Task<T> ShowAsync<T>(string title, Func<IProgress<InversionProgress>, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(title), maxValue: 1);
                var result = await work(new Bar(task));
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });

    private sealed class Bar(ProgressTask task) : IProgress<InversionProgress>
    {
        public void Report(InversionProgress value)
        {
            task.MaxValue = Math.Max(1, Math.Max(value.TotalSteps, value.Step));
            task.Value = value.Step;
            task.Description = Markup.Escape(Describe(value));
        }
    }
}
