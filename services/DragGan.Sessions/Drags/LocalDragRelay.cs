using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>The relay of a single replica (the embedded store): drags are always local, nothing to carry.</summary>
internal sealed class LocalDragRelay : IDragRelay
{
    public bool Enabled => false;

    public Task PublishFrameAsync(string dragId, SessionDragFrame frame) => Task.CompletedTask;

    public Task<IAsyncDisposable> SubscribeFramesAsync(string dragId, Action<SessionDragFrame> onFrame) => Task.FromResult<IAsyncDisposable>(Nothing.Instance);

    public Task<RelayedCommandOutcome> SendCommandAsync(string dragId, RelayedDragCommand command, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        Task.FromResult(RelayedCommandOutcome.NoRunner);

    public Task<IAsyncDisposable> SubscribeCommandsAsync(string dragId, Func<RelayedDragCommand, bool> onCommand) => Task.FromResult<IAsyncDisposable>(Nothing.Instance);

    public Task<bool> HasRunnerAsync(string dragId) => Task.FromResult(false);

    public Task<bool> HasWatchersAsync(string dragId) => Task.FromResult(false);

    private sealed class Nothing : IAsyncDisposable
    {
        public static readonly Nothing Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
