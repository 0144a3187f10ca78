using DragGan.Sessions.Services;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// The progress relay of CreateSessionWithProgress: reports never wait for the stream, and while a
/// write is under way only the newest report waits to go next.
/// </summary>
public sealed class NewestProgressWriterTests
{
    [Fact]
    public async Task WhileAWriteIsBlocked_ReportsReturnAtOnce_AndOnlyTheNewestIsWrittenNext()
    {
        var written = new List<int>();
        var firstWriteStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseWrites = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new NewestProgressWriter<int>(async value =>
        {
            written.Add(value);
            firstWriteStarted.TrySetResult();
            await releaseWrites.Task;
        });

        writer.Report(1);
        await firstWriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var step = 2; step <= 100; step++)
            writer.Report(step); // the write of 1 is still blocked: these must not wait for it
        releaseWrites.SetResult();
        await writer.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([1, 100], written);
    }

    [Fact]
    public async Task AFailedWrite_SurfacesFromCompleteAsync_AndLaterReportsDoNotThrow()
    {
        var writer = new NewestProgressWriter<int>(_ => throw new IOException("the stream is gone"));

        writer.Report(1);
        writer.Report(2);

        await Assert.ThrowsAsync<IOException>(writer.CompleteAsync);
        writer.Report(3);
        await writer.DisposeAsync();
    }
}
