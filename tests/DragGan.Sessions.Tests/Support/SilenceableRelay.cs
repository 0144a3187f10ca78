using System.Net;
using System.Net.Sockets;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// A TCP relay on loopback in front of a server. <see cref="GoSilent"/> makes it swallow every byte
/// in both directions while keeping the connections open, as a lost node or a network partition
/// does: nothing is refused or reset, nothing arrives.
/// </summary>
public sealed class SilenceableRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private readonly Task _accepting;
    private volatile bool _silent;

    public SilenceableRelay(string targetAddress)
    {
        var target = new Uri(targetAddress);
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        Address = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _accepting = AcceptAsync();
    }

    /// <summary>Where clients connect, e.g. http://127.0.0.1:41234.</summary>
    public string Address { get; }

    public void GoSilent() => _silent = true;

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                await server.ConnectAsync(_target, _stop.Token);
                lock (_connections)
                    _connections.AddRange([client, server]);
                _ = PumpAsync(client.GetStream(), server.GetStream());
                _ = PumpAsync(server.GetStream(), client.GetStream());
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (!_silent)
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        lock (_connections)
        {
            foreach (var connection in _connections)
                connection.Dispose();
        }
        _stop.Dispose();
    }
}
