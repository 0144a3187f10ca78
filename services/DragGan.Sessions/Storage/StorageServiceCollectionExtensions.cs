using DragGan.Sessions.Drags;
using StackExchange.Redis;

namespace DragGan.Sessions.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured store (<see cref="SessionsOptions.Store"/>) as
    /// <see cref="ISessionStore"/>, <see cref="IDragFrameStore"/> and <see cref="IWorkLeaseStore"/>, with the
    /// <see cref="StoreBudget"/> over its usage: SQLite with its sweeper, or
    /// Redis over one multiplexer from <c>ConnectionStrings:Redis</c>, with the drag relay that
    /// lets replicas reach each other's drags.
    /// </summary>
    public static IServiceCollection AddSessionStore(this IServiceCollection services, IConfiguration configuration, SessionsOptions options)
    {
        switch (options.Store)
        {
            case SessionStoreKind.Redis:
                var connectionString = configuration.GetConnectionString("Redis");
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new InvalidOperationException("ConnectionStrings:Redis must be set when Sessions:Store is Redis.");
                // Connects lazily and reconnects by itself; calls fail (UNAVAILABLE) while Redis is down.
                var redisOptions = ConfigurationOptions.Parse(connectionString);
                redisOptions.AbortOnConnectFail = false;
                services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisOptions));
                services.AddSingleton<RedisSessionStore>();
                services.AddSingleton<ISessionStore>(s => s.GetRequiredService<RedisSessionStore>());
                services.AddSingleton<IDragFrameStore>(s => s.GetRequiredService<RedisSessionStore>());
                services.AddSingleton<IStoreUsageReader>(s => s.GetRequiredService<RedisSessionStore>());
                services.AddSingleton<IWorkLeaseStore, RedisWorkLeaseStore>();
                // Several replicas share Redis: drags are reached across them over its pub/sub.
                services.AddSingleton<IDragRelay, RedisDragRelay>();
                break;
            default:
                services.AddSingleton<SqliteSessionStore>();
                services.AddSingleton<ISessionStore>(s => s.GetRequiredService<SqliteSessionStore>());
                services.AddSingleton<IDragFrameStore>(s => s.GetRequiredService<SqliteSessionStore>());
                services.AddSingleton<IStoreUsageReader>(s => s.GetRequiredService<SqliteSessionStore>());
                services.AddSingleton<IWorkLeaseStore, SqliteWorkLeaseStore>();
                services.AddHostedService<SqliteSweeper>();
                services.AddSingleton<IDragRelay, LocalDragRelay>();
                break;
        }
        services.AddSingleton<StoreBudget>();
        return services;
    }
}
