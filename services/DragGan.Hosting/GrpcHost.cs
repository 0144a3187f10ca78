using Microsoft.AspNetCore.Builder;
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
