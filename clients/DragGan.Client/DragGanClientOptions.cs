namespace DragGan.Client;

/// <summary>Where the session service is and how calls to it are made.</summary>
public sealed class DragGanClientOptions
{
    /// <summary>The address <see cref="Address"/> has unless one is given: a session service on this machine.</summary>
    public static readonly Uri DefaultAddress = new("http://localhost:8080");

    /// <summary>
    /// The session service's gRPC endpoint (HTTP/2): <c>http://host:8080</c> without TLS, or an
    /// <c>https://</c> address. Default <see cref="DefaultAddress"/>.
    /// </summary>
    public Uri Address { get; set; } = DefaultAddress;

    /// <summary>
    /// The API key sent with every call as <c>authorization: Bearer &lt;key&gt;</c>; null sends none
    /// (a service in its Development environment then acts for its anonymous tenant).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Deadline of each unary call (retries included), unless a method says otherwise:
    /// <see cref="Timeout.InfiniteTimeSpan"/> sets none. Drags have no deadline (they last as long
    /// as the caller steers them); cancel them with their token. Default 30 seconds.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deadline of creating a session from an image, which lasts as long as the inversion (about a
    /// thousand optimisation steps by default). <see cref="Timeout.InfiniteTimeSpan"/> sets none.
    /// Default 15 minutes.
    /// </summary>
    public TimeSpan InversionTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Attempts of a call that is safe to repeat (reads, exports, ListModels) when the service
    /// answers UNAVAILABLE, the first included: 1 turns retries off. At most 5 (gRPC's limit).
    /// Default 4.
    /// </summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Checks the settings, naming the first wrong one.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        if (Address is null || !Address.IsAbsoluteUri || (Address.Scheme != Uri.UriSchemeHttp && Address.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"Address must be an absolute http:// or https:// URI, got '{Address}'.", nameof(Address));
        if (ApiKey is { Length: 0 } || (ApiKey is not null && ApiKey.Any(char.IsControl)))
            throw new ArgumentException("ApiKey must be null or a non-empty key without control characters.", nameof(ApiKey));
        CheckDeadline(Timeout, nameof(Timeout));
        CheckDeadline(InversionTimeout, nameof(InversionTimeout));
        if (MaxAttempts is < 1 or > RetryPolicies.MaxAttemptsLimit)
            throw new ArgumentException($"MaxAttempts must be between 1 and {RetryPolicies.MaxAttemptsLimit}, got {MaxAttempts}.", nameof(MaxAttempts));
    }

    private static void CheckDeadline(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
            throw new ArgumentException($"{name} must be positive or Timeout.InfiniteTimeSpan, got {value}.", name);
    }
}
