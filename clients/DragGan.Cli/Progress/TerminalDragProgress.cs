using System.Globalization;
using Spectre.Console;

namespace DragGan.Cli.Progress;

/// <summary>A live progress bar: steps out of the limit, distance to the target and speed in its description.</summary>
internal sealed class TerminalDragProgress(IAnsiConsole console) : DragProgress
{
    public override Task<T> ShowAsync<T>(string title, uint maxSteps, Func<Action<DragStep>, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(Markup.Escape(title), maxValue: Math.Max(1, maxSteps));
                var result = await work(step =>
                {
                    task.MaxValue = Math.Max(task.MaxValue, step.Step);
                    task.Value = step.Step;
                    task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"step {step.Step}/{step.MaxSteps}  {step.Distance:F1} px to target  {step.StepsPerSecond:F1} steps/s"));
                });
                task.StopTask();
                return result;
            });
}
