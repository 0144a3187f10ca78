namespace DragGan.Sessions.Storage;

/// <summary>
/// A write the store refused because a tenant is at one of its quotas, or the store at its budget
/// (<see cref="TenantQuotaOptions"/>, <see cref="StoreBudgetOptions"/>). The message names which;
/// the service answers RESOURCE_EXHAUSTED with it.
/// </summary>
public sealed class StoreQuotaExceededException(string message) : Exception(message)
{
    public static StoreQuotaExceededException Sessions(string tenant, long quota) =>
        new($"Tenant '{tenant}' has {quota} sessions, its quota (Sessions:TenantQuota:Sessions); delete one or let one expire.");

    /// <param name="adding">The bytes of the refused write; 0 when the tenant is at its quota already.</param>
    public static StoreQuotaExceededException StoredBytes(string tenant, long quota, long stored, long adding) =>
        new($"Tenant '{tenant}' stores {stored} bytes" + (adding > 0 ? $"; {adding} more would pass its quota of {quota} bytes" : $", its quota of {quota} bytes") +
            " (Sessions:TenantQuota:StoredBytes); delete sessions to make room.");

    public static StoreQuotaExceededException Budget(long used, long budget) =>
        new($"The session store holds {used} bytes, at its budget of {budget} bytes (Sessions:StoreBudget) for all tenants; retry later.");
}
