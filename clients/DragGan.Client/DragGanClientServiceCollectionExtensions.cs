using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.Client;

/// <summary>Registers <see cref="DragGanClient"/> with the gRPC client factory.</summary>
public static class DragGanClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DragGanClient"/> (transient, like every factory client) over a
    /// <see cref="SessionsClient"/> from Grpc.Net.ClientFactory, with the retry policy, message
    /// limits and API key of <paramref name="configure"/>'s options. Bind them from configuration
    /// with <c>services.Configure&lt;DragGanClientOptions&gt;(section)</c> before or after.
    /// </summary>
    /// <returns>The factory client's builder, for handlers and further channel settings.</returns>
    public static IHttpClientBuilder AddDragGanClient(this IServiceCollection services, Action<DragGanClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<DragGanClientOptions>();
        if (configure is not null)
            options.Configure(configure);

        services.AddTransient(provider => new DragGanClient(provider.GetRequiredService<SessionsClient>(), provider.GetRequiredService<IOptions<DragGanClientOptions>>()));
        return services
            .AddGrpcClient<SessionsClient>((provider, factory) => factory.Address = Options(provider).Address)
            .ConfigureChannel((provider, channel) => DragGanClient.Configure(channel, Options(provider)))
            .AddInterceptor(provider => new ApiKeyInterceptor(Options(provider).ApiKey));
    }

    private static DragGanClientOptions Options(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<DragGanClientOptions>>().Value;
        options.Validate();
        return options;
    }
}
