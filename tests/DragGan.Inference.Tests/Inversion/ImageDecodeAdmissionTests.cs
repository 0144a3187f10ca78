using System.Diagnostics;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using DragGan.Inference.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Inference.Tests.Inversion;

/// <summary>
/// The host decodes at most Inference:MaxConcurrentImageDecodes uploads at once: a further decode
/// waits for a turn (or for its call to end) instead of holding another full-size image; Invert
/// decodes its upload under that admission.
/// </summary>
public sealed class ImageDecodeAdmissionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DecodesBeyondTheLimit_WaitForATurn()
    {
        await using var server = await CustomFixtureServer.StartAsync(("Inference:MaxConcurrentImageDecodes", "1"));
        var admission = server.Services.GetRequiredService<ImageDecodeAdmission>();
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = Task.Run(() => admission.RunAsync(() =>
        {
            entered.SetResult();
            return release.Wait(Patience);
        }, CancellationToken.None));
        await entered.Task.WaitAsync(Patience);
        var secondRan = false;
        var second = admission.RunAsync(() => secondRan = true, CancellationToken.None);
        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => admission.RunAsync(() => true, gone.Token));

        Assert.False(secondRan);
        Assert.False(second.IsCompleted);
        release.Set();
        Assert.True(await first.WaitAsync(Patience));
        Assert.True(await second.WaitAsync(Patience));
        Assert.True(secondRan);
    }

    [Fact]
    public async Task AnInversion_DecodesItsUploadOnlyWhenTheAdmissionGivesItATurn()
    {
        await using var server = await CustomFixtureServer.StartAsync(("Inference:MaxConcurrentImageDecodes", "1"));
        var admission = server.Services.GetRequiredService<ImageDecodeAdmission>();
        var image = (await server.Client.GenerateAsync(new GenerateRequest { Model = FixtureModelServer.ModelName, Seed = new SeedSource { Seed = 3 } })).Image;
        // How long a one-step inversion takes with the turn free: the held one waits well past it.
        var free = Stopwatch.StartNew();
        Assert.True((await InvertOneStepAsync(server, image)).Final);
        var wait = TimeSpan.FromTicks(Math.Max(3 * free.Elapsed.Ticks, TimeSpan.FromSeconds(2).Ticks));

        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = Task.Run(() => admission.RunAsync(() =>
        {
            entered.SetResult();
            return release.Wait(Patience);
        }, CancellationToken.None));
        await entered.Task.WaitAsync(Patience);
        var held = InvertOneStepAsync(server, image);
        await Task.WhenAny(held, Task.Delay(wait));

        Assert.False(held.IsCompleted, $"The inversion went on while the only decode turn was held ({wait.TotalSeconds:0.0} s).");
        release.Set();
        Assert.True(await holder.WaitAsync(Patience));
        Assert.True((await held.WaitAsync(Patience)).Final);
    }

    private static async Task<InvertProgress> InvertOneStepAsync(FixtureModelServer server, EncodedImage image)
    {
        using var call = server.Client.Invert();
        await call.RequestStream.WriteAsync(new InvertRequest { Start = new InvertStart { Model = FixtureModelServer.ModelName, Image = image, Steps = 1 } });
        await call.RequestStream.CompleteAsync();
        return (await InvertTests.ReadAllAsync(call))[^1];
    }
}
