using Grpc.Core;
using Grpc.Core.Interceptors;

namespace DragGan.Client;

/// <summary>
/// Adds <c>authorization: Bearer &lt;key&gt;</c> to every call. An interceptor rather than channel
/// call credentials: gRPC refuses call credentials on plain-text channels, and services inside a
/// cluster are often reached without TLS.
/// </summary>
public sealed class ApiKeyInterceptor : Interceptor
{
    private readonly string? _authorization;

    /// <summary>An interceptor that sends <paramref name="apiKey"/>; null sends nothing (for a development service that allows anonymous calls).</summary>
    public ApiKeyInterceptor(string? apiKey)
    {
        if (apiKey is { Length: 0 })
            throw new ArgumentException("An API key cannot be empty; pass null to send none.", nameof(apiKey));
        _authorization = apiKey is null ? null : $"Bearer {apiKey}";
    }

    /// <inheritdoc />
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        BlockingUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithKey(context));

    /// <inheritdoc />
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) => continuation(request, WithKey(context));

    /// <inheritdoc />
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(request, WithKey(context));

    /// <inheritdoc />
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithKey(context));

    /// <inheritdoc />
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
        continuation(WithKey(context));

    private ClientInterceptorContext<TRequest, TResponse> WithKey<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context)
        where TRequest : class
        where TResponse : class
    {
        var given = context.Options.Headers;
        // A key the caller put on this call itself wins.
        if (_authorization is null || given?.Get("authorization") is not null || given?.Get("x-api-key") is not null)
            return context;
        // A copy: the caller's Metadata may be reused for other calls.
        var headers = new Metadata();
        foreach (var entry in given ?? [])
            headers.Add(entry);
        headers.Add("authorization", _authorization);
        return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
    }
}
