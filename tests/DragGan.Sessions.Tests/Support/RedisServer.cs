using System.Diagnostics;
using System.Net.Sockets;
using StackExchange.Redis;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// A real redis-server of this machine, started on a free loopback port without persistence and
/// stopped at the end. Fails with how to install it when redis-server is not on PATH.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>StackExchange.Redis connection string, e.g. 127.0.0.1:6390.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>
    /// The same with 20 s timeouts instead of 5 s: the test process also hosts inference servers,
    /// whose generator forwards hold pool threads, and on a 2-core machine replies can wait for
    /// the pool to grow. Tests of an unreachable store set their own short timeouts.
    /// </summary>
    public string PatientConnectionString => $"{ConnectionString},asyncTimeout=20000,syncTimeout=20000";

    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed, and the Redis store tests need a real one: install it (Debian/Ubuntu: sudo apt-get install -y redis-server); .ci/run does.");
        Port = FreePort.Next();
        _process = Process.Start(new ProcessStartInfo(executable)
        {
            ArgumentList = { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
        Connection = await ConnectionMultiplexer.ConnectAsync(PatientConnectionString);
    }

    /// <summary>Stops the server (tests may call it early to take Redis away); later calls do nothing.</summary>
    public async Task DisposeAsync()
    {
        if (_process is null)
            return;
        if (Connection is not null)
            await Connection.DisposeAsync();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
