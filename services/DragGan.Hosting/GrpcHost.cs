using Grpc.AspNetCore.HealthChecks;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.Events;

namespace DragGan.Hosting;

/// <summary>What the inference and session hosts set up alike.</summary>
public static class GrpcHost
{
    /// <summary>The grpc.health.v1 service name liveness probes ask for: the process works, whatever its dependencies do.</summary>
    public const string LivenessHealthService = "liveness";

    /// <summary>
    /// A builder with appsettings.json read from beside the binaries (wherever the process starts)
    /// and Serilog configured from the section "Serilog". <paramref name="configure"/> runs after
    /// the default configuration sources are added and before the host registers its services.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext());
        return builder;
    }

    /// <summary>
    /// gRPC with explicit message limits (whole request bodies unlimited: streams), the host's
    /// exception mapping, server reflection, and grpc.health.v1 under "" and
    /// <paramref name="serviceName"/> (every check) and <see cref="LivenessHealthService"/> (the
    /// checks <paramref name="liveness"/> picks). Returns the health-check builder for the host's checks.
    /// </summary>
    public static IHealthChecksBuilder AddGrpcService<TExceptionMapping>(this WebApplicationBuilder builder,
        int maxReceiveMessageBytes, int maxSendMessageBytes, string serviceName, Func<HealthCheckMapContext, bool> liveness)
        where TExceptionMapping : Interceptor
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = maxReceiveMessageBytes;
            grpc.MaxSendMessageSize = maxSendMessageBytes;
            grpc.Interceptors.Add<TExceptionMapping>();
        });
        builder.Services.AddGrpcReflection();
        return builder.Services.AddGrpcHealthChecks(health =>
        {
            health.Services.Clear();
            health.Services.Map("", _ => true);
            health.Services.Map(serviceName, _ => true);
            health.Services.Map(LivenessHealthService, liveness);
        });
    }

    /// <summary>One log event per request; health probes, which orchestrators send every few seconds, only at Verbose.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(logging =>
        {
            logging.GetLevel = (http, _, error) => error is not null ? LogEventLevel.Error
                : http.Request.Path.StartsWithSegments("/grpc.health.v1.Health") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });
        return app;
    }
}
