using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DragGan.Hosting;

/// <summary>
/// OpenTelemetry tracing of a host: a server span for every gRPC call it serves (W3C trace
/// context read from the caller's <c>traceparent</c>), client spans for every gRPC call it makes
/// (the context sent on), and the host's own activity sources. Spans are exported over OTLP when
/// <see cref="OtlpEndpointKey"/> is configured, and nowhere otherwise; either way logs written
/// inside a span carry its trace and span ids.
/// </summary>
public static class DistributedTracing
{
    /// <summary>The OpenTelemetry SDK's standard setting (an environment variable) that turns OTLP export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// The sources of an outgoing gRPC call's spans: Grpc.Net.Client's span of the whole call
    /// (streams included) and, under it, HttpClient's span of the HTTP/2 request, which is the
    /// parent the callee sees.
    /// </summary>
    public static readonly string[] GrpcClientSources = ["Grpc.Net.Client", "System.Net.Http"];

    public static WebApplicationBuilder AddTracing(this WebApplicationBuilder builder, string serviceName, params string[] sources)
    {
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(sources)
                    .AddSource(GrpcClientSources)
                    // Probes every few seconds would bury the calls worth following.
                    .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !IsHealthCheck(http.Request.Path));
                if (exportOtlp)
                    tracing.AddOtlpExporter();
            });
        return builder;
    }

    private static bool IsHealthCheck(PathString path) => path.StartsWithSegments("/grpc.health.v1.Health");
}
