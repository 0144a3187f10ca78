using DragGan.Protos.V1;
using Grpc.Core;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Inference.Tests.Support;

/// <summary>A Drag call under test: send requests, read frames with a time limit so that a hung stream fails the test.</summary>
public sealed class DragSession : IDisposable
{
    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(30);
    private readonly AsyncDuplexStreamingCall<DragRequest, DragFrame> _call;

    private DragSession(AsyncDuplexStreamingCall<DragRequest, DragFrame> call) => _call = call;

    public static DragSession Open(InferenceClient client, DateTime? deadline = null, CancellationToken cancellationToken = default) =>
        new(client.Drag(deadline: deadline, cancellationToken: cancellationToken));

    public static async Task<DragSession> StartAsync(InferenceClient client, DragStart start)
    {
        var session = Open(client);
        await session.SendAsync(new DragRequest { Start = start });
        return session;
    }

    public Task SendAsync(DragRequest request) => _call.RequestStream.WriteAsync(request);

    public Task UpdateAsync(DragUpdate update) => SendAsync(new DragRequest { Update = update });

    public Task CompleteAsync() => _call.RequestStream.CompleteAsync();

    /// <summary>The next frame, or null when the server ended the stream with OK.</summary>
    public async Task<DragFrame?> NextAsync()
    {
        using var timeout = new CancellationTokenSource(FrameTimeout);
        return await _call.ResponseStream.MoveNext(timeout.Token) ? _call.ResponseStream.Current : null;
    }

    /// <summary>Frames until one matches <paramref name="until"/> (returned last) or the stream ends.</summary>
    public async Task<List<DragFrame>> ReadUntilAsync(Func<DragFrame, bool> until, int maxFrames = 1000)
    {
        var frames = new List<DragFrame>();
        while (frames.Count < maxFrames && await NextAsync() is { } frame)
        {
            frames.Add(frame);
            if (until(frame))
                break;
        }
        return frames;
    }

    /// <summary>Reads until the call fails and returns its status.</summary>
    public async Task<RpcException> ReadUntilErrorAsync(List<DragFrame>? frames = null)
    {
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await NextAsync() is { } frame)
                frames?.Add(frame);
        });
    }

    public void Dispose() => _call.Dispose();
}
