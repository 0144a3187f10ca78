using System.Net;

namespace DragGan.Sessions.Security;

/// <summary>
/// The proxies whose X-Forwarded-For the service believes (<c>Sessions:ForwardedHeaders</c>): the
/// client address then comes from that header, so that wrong-key lockout counts per client behind
/// an ingress. With none configured (default) the header is ignored, and every call's address is
/// its connection's: a client cannot pick the address its guesses count against.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.12</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR notation, e.g. <c>10.0.0.0/8</c> (an ingress controller's pod network).</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies' entries of X-Forwarded-For are read from the right (default 1: one ingress).</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool IsConfigured => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    public IEnumerable<IPAddress> Proxies => KnownProxies.Select(IPAddress.Parse);

    public IEnumerable<IPNetwork> Networks => KnownNetworks.Select(n => IPNetwork.Parse(n));

    internal IEnumerable<string> Problems(string path)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i], out _))
                yield return $"{path}:KnownProxies:{i} must be an IP address, got '{KnownProxies[i]}'.";
        }
        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(KnownNetworks[i], out _))
                yield return $"{path}:KnownNetworks:{i} must be a network in CIDR notation (10.0.0.0/8), got '{KnownNetworks[i]}'.";
        }
        if (ForwardLimit is < 1 or > 10)
            yield return $"{path}:ForwardLimit must be in 1..10, got {ForwardLimit}.";
    }
}
