using System.Net;
using System.Net.Sockets;

namespace DragGan.Testing;

/// <summary>
/// A loopback port nobody listens on now, for hosts that cannot take port 0 (the session host binds
/// two named endpoints and must know which is which), for redis-server, and for "unreachable"
/// addresses. Ports come from below the kernel's ephemeral range: a port the kernel hands out for
/// port 0 may just as well go to a client's outgoing connection (test processes run side by side)
/// before the host binds it.
/// </summary>
public static class FreePort
{
    private const int Lowest = 10_000;

    public static int Next()
    {
        var ceiling = EphemeralRangeStart();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Lowest, ceiling);
            if (IsFree(port))
                return port;
        }
        throw new InvalidOperationException($"No free loopback port found in {Lowest}..{ceiling - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port) { ExclusiveAddressUse = true };
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of <c>net.ipv4.ip_local_port_range</c> (Linux's default 32768 elsewhere).</summary>
    private static int EphemeralRangeStart()
    {
        const int LinuxDefault = 32_768;
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (!File.Exists(RangeFile))
            return LinuxDefault;
        var first = File.ReadAllText(RangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return int.TryParse(first, out var start) && start > Lowest + 1_000 ? start : LinuxDefault;
    }
}
