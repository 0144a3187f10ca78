using DragGan.Hosting;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Security;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Telemetry;
using DragGan.Sessions.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions;

/// <summary>
/// Builds the session host: the draggan.v1.Sessions service (API keys, per-tenant rate limits,
/// gRPC-Web), grpc.health.v1 health, server reflection, the web client's files, and Serilog. Configuration comes from
/// appsettings.json, appsettings.{Environment}.json, environment variables and the command line,
/// later sources winning; the service reads the section "Sessions".
/// </summary>
/// <remarks>
/// Kestrel listens on two endpoints unless <c>Kestrel:Endpoints</c> is configured: gRPC on 8080
/// (HTTP/2 only) and gRPC-Web on 8081 (HTTP/1.1). Without TLS one endpoint cannot serve both:
/// Kestrel negotiates HTTP/2 only through TLS ALPN, so an Http1AndHttp2 endpoint in plain text
/// speaks HTTP/1.1 alone and prior-knowledge HTTP/2 (what gRPC clients send) fails. With TLS
/// (<c>Kestrel:Endpoints:&lt;name&gt;:Url=https://…</c> and a certificate) one Http1AndHttp2
/// endpoint serves both.
/// </remarks>
public static class SessionsHost
{
    /// <summary>The health-check name the store check reports under.</summary>
    public const string StoreHealthCheck = "store";

    /// <summary>The service's name in traces (OpenTelemetry's service.name).</summary>
    public const string ServiceName = "draggan-sessions";

    /// <summary>The check that answers whenever the process does: all that liveness asks.</summary>
    public const string ProcessHealthCheck = "process";


    public const string DefaultGrpcUrl = "http://0.0.0.0:8080";
    public const string DefaultWebUrl = "http://0.0.0.0:8081";

    /// <summary>
    /// The configured application, not yet started. <paramref name="configure"/> runs after the
    /// default configuration sources are added and before services are registered, so it can add
    /// configuration (tests use it) or services.
    /// </summary>
    public static WebApplication CreateApplication(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = GrpcHost.CreateBuilder(args, configure);
        AddDefaultEndpoints(builder.Configuration);

        var options = builder.AddValidatedOptions(SessionsOptions.SectionName, new SessionsOptionsValidator(builder.Environment.IsDevelopment()));
        var webRoot = WebClientFiles.Locate(options, builder.Environment);
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Ready ("", the service's name): the store answers. Liveness: the process works; a store
        // outage makes replicas unready but is no reason to restart them.
        builder.AddGrpcService<ErrorMappingInterceptor>(options.MaxReceiveMessageBytes, options.MaxSendMessageBytes,
                Protos.V1.Sessions.Descriptor.FullName, check => check.Name == ProcessHealthCheck)
            .AddCheck(ProcessHealthCheck, () => HealthCheckResult.Healthy("The process answers."))
            .AddCheck<SessionStoreHealthCheck>(StoreHealthCheck);
        // One instance for every probe: it keeps the last healthy answer.
        builder.Services.AddSingleton<SessionStoreHealthCheck>();
        builder.Services.AddSingleton<SessionsMetrics>();
        if (options.MetricsPort > 0)
            builder.Services.AddPrometheusListener(options.MetricsPort, [SessionsMetrics.MeterName, .. SessionsMetrics.FrameworkMeters]);
        builder.AddTracing(ServiceName, SessionsTracing.SourceName);

        if (options.ForwardedHeaders.IsConfigured)
        {
            builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
            {
                forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
                forwarded.ForwardLimit = options.ForwardedHeaders.ForwardLimit;
                // Only the configured proxies: not the loopback ones trusted by default.
                forwarded.KnownProxies.Clear();
                forwarded.KnownIPNetworks.Clear();
                foreach (var proxy in options.ForwardedHeaders.Proxies)
                    forwarded.KnownProxies.Add(proxy);
                foreach (var network in options.ForwardedHeaders.Networks)
                    forwarded.KnownIPNetworks.Add(network);
            });
        }
        builder.Services.AddSingleton<ApiKeyRegistry>();
        builder.Services.AddSingleton<FailedKeyAttempts>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddTenantRateLimiting(options.RateLimit);

        builder.Services.AddSessionStore(builder.Configuration, options);
        builder.Services.AddInferenceGateway();
        builder.Services.AddSingleton<SessionEditor>();
        builder.Services.AddSingleton<FfmpegVideoEncoder>();
        builder.Services.AddSingleton<SessionExports>();
        builder.Services.AddSingleton<ExportSlots>();
        // A thread for each export the replica admits, below interactive work in CPU priority.
        builder.Services.AddSingleton(services =>
        {
            var limits = services.GetRequiredService<IOptions<SessionsOptions>>().Value.ExportLimits;
            return new BackgroundPriorityWorkers(limits.PerReplica, limits.Niceness, "Exports",
                services.GetRequiredService<ILogger<BackgroundPriorityWorkers>>());
        });
        builder.Services.AddSingleton<ReplicaIdentity>();
        builder.Services.AddSingleton<TenantAdmission>();
        builder.Services.AddSingleton<ActiveDragRegistry>();
        builder.Services.AddHostedService<HandBackOnShutdown>();
        builder.Services.AddSingleton<DragCoordinator>();
        builder.Services.AddSingleton<SessionDragCallHandler>();

        var app = builder.Build();
        if (options.AllowAnonymous)
            app.Logger.LogWarning("Development mode: calls without an API key act for tenant '{Tenant}'", options.AnonymousTenant);
        else if (options.ApiKeys.Count == 0)
            app.Logger.LogWarning("No API keys are configured (Sessions:ApiKeys): every call will be refused");

        // First, so that logging and the wrong-key lockout see the client behind a trusted proxy.
        if (options.ForwardedHeaders.IsConfigured)
            app.UseForwardedHeaders();
        app.UseRequestLogging();
        // The browser client's files, before routing and authentication: the page itself needs no key.
        app.UseWebClient(webRoot);
        app.UseRouting();
        // Before authentication, so that its gRPC-status answers reach gRPC-Web clients translated too.
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapGrpcService<SessionsService>().RequireRateLimiting(TenantRateLimiting.PolicyName);
        // Health answers probes without a key; reflection describes the API to callers that have one.
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService().RequireAuthorization().RequireRateLimiting(TenantRateLimiting.PolicyName);
        return app;
    }

    /// <summary>The two default endpoints (see the remarks), unless the configuration names its own.</summary>
    private static void AddDefaultEndpoints(ConfigurationManager configuration)
    {
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
            return;
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = DefaultGrpcUrl,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Web:Url"] = DefaultWebUrl,
            ["Kestrel:Endpoints:Web:Protocols"] = "Http1",
        });
    }
}
