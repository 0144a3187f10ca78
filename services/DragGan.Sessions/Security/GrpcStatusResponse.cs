using System.Globalization;
using System.Text;
using Grpc.Core;

namespace DragGan.Sessions.Security;

/// <summary>
/// Answers a gRPC (or gRPC-Web) call from middleware, before it reaches the service, with a
/// "trailers-only" response: HTTP 200 and grpc-status / grpc-message as headers, which every gRPC
/// client reads as the call's status. Plain HTTP 401 or 429 would reach clients as UNKNOWN or
/// UNAVAILABLE, depending on the client. The one gRPC type of the HTTP pipeline in front of the service.
/// </summary>
internal static class GrpcStatusResponse
{
    public static Task UnauthenticatedAsync(HttpContext http, string message) => WriteAsync(http, StatusCode.Unauthenticated, message);

    public static Task PermissionDeniedAsync(HttpContext http, string message) => WriteAsync(http, StatusCode.PermissionDenied, message);

    /// <param name="retryAfter">Sent as <c>retry-after</c> (whole seconds) when known.</param>
    public static Task ResourceExhaustedAsync(HttpContext http, string message, TimeSpan? retryAfter) =>
        WriteAsync(http, StatusCode.ResourceExhausted, message, retryAfter);

    private static Task WriteAsync(HttpContext http, StatusCode status, string message, TimeSpan? retryAfter = null)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        // A gRPC-Web request's content type was rewritten by UseGrpcWeb, which sets it back on the response.
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        if (retryAfter is { } wait)
            response.Headers["retry-after"] = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return response.CompleteAsync();
    }

    /// <summary>grpc-message is percent-encoded UTF-8 (the gRPC HTTP/2 spec): printable ASCII except '%' passes.</summary>
    private static string PercentEncode(string message)
    {
        var builder = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != '%')
                builder.Append((char)b);
            else
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
