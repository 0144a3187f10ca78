using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DragGan.Client.Tests.Support;

/// <summary>
/// Faults the test session service injects in front of its real handlers: fail a method's next
/// calls with a status, or delay them; it also counts calls and keeps each method's last
/// authorization header. One per host; tests reset it.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, string?> _authorization = new();
    private readonly ConcurrentDictionary<string, (StatusCode Code, int Remaining)> _failures = new();
    private readonly ConcurrentDictionary<string, TimeSpan> _delays = new();

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> (e.g. "GetSession") fail with <paramref name="code"/>.</summary>
    public void Fail(string method, StatusCode code, int times = 1) => _failures[method] = (code, times);

    /// <summary>Calls of <paramref name="method"/> wait this long before they are handled.</summary>
    public void Delay(string method, TimeSpan delay) => _delays[method] = delay;

    public int Calls(string method) => _calls.GetValueOrDefault(method);

    public string? LastAuthorization(string method) => _authorization.GetValueOrDefault(method);

    public void Reset()
    {
        _calls.Clear();
        _authorization.Clear();
        _failures.Clear();
        _delays.Clear();
    }

    internal async Task BeforeAsync(ServerCallContext context)
    {
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        _calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        _authorization[method] = context.RequestHeaders.GetValue("authorization");
        if (_delays.TryGetValue(method, out var delay))
            await Task.Delay(delay, context.CancellationToken);
        while (_failures.TryGetValue(method, out var failure) && failure.Remaining > 0)
        {
            if (_failures.TryUpdate(method, (failure.Code, failure.Remaining - 1), failure))
                throw new RpcException(new Status(failure.Code, $"Injected {failure.Code} for {method}."));
        }
    }
}

/// <summary>The server interceptor that applies <see cref="FaultInjector"/>.</summary>
internal sealed class FaultInjectionInterceptor(FaultInjector faults) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await faults.BeforeAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await faults.BeforeAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await faults.BeforeAsync(context);
        await continuation(requestStream, responseStream, context);
    }
}
