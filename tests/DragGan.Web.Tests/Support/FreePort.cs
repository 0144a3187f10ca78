using System.Net;
using System.Net.Sockets;

namespace DragGan.Web.Tests.Support;

/// <summary>A loopback port nobody listens on now (the session host binds two named endpoints, so it cannot take port 0 and say which is which).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
