using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Deletes expired sessions from the SQLite file every <see cref="SessionsOptions.SweepInterval"/>.
/// Reads never see expired rows anyway; this only gives the space back. Several processes
/// sweeping one file is harmless (each delete is one short transaction).
/// </summary>
internal sealed class SqliteSweeper(SqliteSessionStore store, IOptions<SessionsOptions> options, ILogger<SqliteSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await store.SweepAsync(stoppingToken);
                if (deleted > 0)
                    logger.LogInformation("Deleted {Count} expired sessions from {File}", deleted, store.FilePath);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Sweeping expired sessions from {File} failed; trying again in {Interval}", store.FilePath, options.Value.SweepInterval);
            }
        }
    }
}
