namespace DragGan.Sessions.Storage;

/// <summary>Reads how much the store holds, for <see cref="StoreBudget"/>.</summary>
public interface IStoreUsageReader
{
    Task<StoreUsage> ReadAsync(CancellationToken cancellationToken);
}
