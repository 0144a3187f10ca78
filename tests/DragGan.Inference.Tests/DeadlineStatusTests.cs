using DragGan.Hosting;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace DragGan.Inference.Tests;

/// <summary>
/// A call whose token fires at its deadline ends with DEADLINE_EXCEEDED, as the client's own timer
/// would say, even when the timer fires a little before the wall clock reads the deadline.
/// </summary>
public sealed class DeadlineStatusTests
{
    [Theory]
    [InlineData(-1000)]
    [InlineData(20)]
    public async Task CancelledAtTheDeadline_IsDeadlineExceeded(int deadlineFromNowMs)
    {
        var error = await MapCancellationAsync(DateTime.UtcNow.AddMilliseconds(deadlineFromNowMs));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task CancelledLongBeforeTheDeadline_IsCancelled()
    {
        var error = await MapCancellationAsync(DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }

    private static async Task<RpcException> MapCancellationAsync(DateTime deadline)
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var context = new CancelledCallContext(deadline, cancelled.Token);
        return await Assert.ThrowsAsync<RpcException>(() => new PlainMapping().UnaryServerHandler<string, string>(
            "request", context, (_, call) => Task.FromException<string>(new OperationCanceledException(call.CancellationToken))));
    }

    private sealed class PlainMapping() : ExceptionMappingInterceptor(NullLogger.Instance)
    {
        protected override RpcException? MapKnown(Exception e, ServerCallContext context) => null;
    }

    /// <summary>The parts of a call the mapping reads: its deadline and its token.</summary>
    private sealed class CancelledCallContext(DateTime deadline, CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => "/test/Call";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => deadline;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => token;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);
        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
