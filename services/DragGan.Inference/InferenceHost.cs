using DragGan.Engine.Models;
using DragGan.Hosting;
using DragGan.Inference.Drags;
using DragGan.Inference.Inversion;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Inference.Telemetry;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DragGan.Inference;

/// <summary>
/// Builds the inference host: Kestrel serving HTTP/2 only (gRPC without TLS; TLS ends at the
/// ingress or mesh), the draggan.v1.Inference service, grpc.health.v1 health, server reflection,
/// and Serilog. Configuration comes from appsettings.json, appsettings.{Environment}.json,
/// environment variables and the command line, later sources winning; the model registry reads
/// the section "ModelRegistry" (with none, it serves the built-in demo model).
/// </summary>
public static class InferenceHost
{
    /// <summary>The health-check name that the registry check reports under.</summary>
    public const string ModelsHealthCheck = "models";

    /// <summary>The service's name in traces (OpenTelemetry's service.name).</summary>
    public const string ServiceName = "draggan-inference";


    /// <summary>
    /// The configured application, not yet started. <paramref name="configure"/> runs after the
    /// default configuration sources are added and before services are registered, so it can add
    /// configuration (tests use it) or services.
    /// </summary>
    public static WebApplication CreateApplication(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = GrpcHost.CreateBuilder(args, configure);

        var options = builder.AddValidatedOptions(InferenceOptions.SectionName, new InferenceOptionsValidator());

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        // Ready ("", the service's name): accepting new streams (NOT_SERVING while draining).
        // Liveness: the process works; stays SERVING through a drain, so that an orchestrator
        // does not restart a replica that is handing its streams back.
        builder.AddGrpcService<ErrorMappingInterceptor>(options.MaxReceiveMessageBytes, options.MaxSendMessageBytes,
                Protos.V1.Inference.Descriptor.FullName, check => check.Name != DrainHealthCheck.Name)
            .AddCheck<ModelRegistryHealthCheck>(ModelsHealthCheck)
            .AddCheck<DrainHealthCheck>(DrainHealthCheck.Name);

        builder.Services.AddModelRegistry(builder.Configuration);
        builder.Services.AddSingleton<ModelGates>();
        builder.Services.AddSingleton<InferenceMetrics>();
        builder.Services.AddSingleton<StreamAdmission>();
        builder.Services.AddSingleton<DragScheduler>();
        builder.Services.AddSingleton<DragCallHandler>();
        builder.Services.AddSingleton<InversionProjectors>();
        builder.Services.AddSingleton<PerceptualDistances>();
        builder.Services.AddSingleton<ImageDecodeAdmission>();
        builder.Services.AddSingleton<InvertCallHandler>();
        builder.Services.AddHostedService<DrainOnShutdown>();
        // The drain runs inside the host's shutdown; leave it room beyond the drain itself.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownDrain + TimeSpan.FromSeconds(15));
        if (options.MetricsPort > 0)
            builder.Services.AddPrometheusListener(options.MetricsPort, InferenceMetrics.MeterName);
        builder.AddTracing(ServiceName, InferenceTracing.SourceName);

        var app = builder.Build();
        app.UseRequestLogging();
        app.MapGrpcService<InferenceService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }
}

/// <summary>Healthy once the registry is configured and has its default model (loading happens on first use).</summary>
internal sealed class ModelRegistryHealthCheck(IModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.Contains(registry.DefaultModelName)
            ? HealthCheckResult.Healthy($"Default model '{registry.DefaultModelName}' is registered.")
            : HealthCheckResult.Unhealthy($"Default model '{registry.DefaultModelName}' is not registered."));
}
