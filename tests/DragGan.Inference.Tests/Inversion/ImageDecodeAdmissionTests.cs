using DragGan.Inference.Streaming;
using DragGan.Inference.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Inference.Tests.Inversion;

/// <summary>
/// The host decodes at most Inference:MaxConcurrentImageDecodes uploads at once: a further decode
/// waits for a turn (or for its call to end) instead of holding another full-size image.
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
}
