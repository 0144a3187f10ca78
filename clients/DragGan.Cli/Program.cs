using DragGan.Cli;

// The first Ctrl+C stops a running drag and lets the service commit it; a second one ends the process.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested)
        return;
    e.Cancel = true;
    interrupt.Cancel();
};
return await DragGanCli.RunAsync(args, CliEnvironment.FromProcess(), interrupt.Token);
