using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace DragGan.Hosting;

/// <summary>Prometheus metrics of a host, scraped as <c>http://host:port/metrics</c>.</summary>
public static class PrometheusMetrics
{
    /// <summary>
    /// Exports the given meters on <paramref name="port"/>, a plain HTTP/1.1 listener of its own:
    /// the gRPC endpoints speak HTTP/2 only, and metrics stay off the ports clients reach.
    /// </summary>
    public static IServiceCollection AddPrometheusListener(this IServiceCollection services, int port, params string[] meters)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(meters)
            .AddPrometheusHttpListener(listener =>
            {
                listener.Port = port;
                // Any host name, not only localhost: Prometheus scrapes the pod's address.
                listener.ConfigureHttpListener = (_, http) =>
                {
                    http.Prefixes.Clear();
                    http.Prefixes.Add($"http://+:{port}/");
                };
            }));
        return services;
    }
}
