using System.Net;
using System.Net.Sockets;

namespace DragGan.Client.Tests.Support;

/// <summary>A loopback port nobody listens on right now: for hosts with two named endpoints, and for "unreachable" addresses.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
