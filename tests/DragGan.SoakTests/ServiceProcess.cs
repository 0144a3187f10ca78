using System.Diagnostics;
using System.Net.Sockets;

namespace DragGan.SoakTests;

/// <summary>
/// A service run as its own process (so that its memory is its own), listening on a loopback port:
/// started, waited for until the port answers, sampled for resident memory, and killed at the end.
/// Its output is kept for the report when it fails.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServiceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    /// <param name="standardInput">Written to the process's standard input, which is then closed (a
    /// configuration that must not appear in its arguments); null leaves the input alone.</param>
    public static async Task<ServiceProcess> StartAsync(string name, string executable, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment, int port, TimeSpan startTimeout, string? standardInput = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start.");
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }
        var service = new ServiceProcess(name, process, port);
        await service.WaitForPortAsync(startTimeout);
        return service;
    }

    /// <summary>Resident memory now (VmRSS), MiB.</summary>
    public double ResidentMiB()
    {
        var status = $"/proc/{_process.Id}/status";
        if (_process.HasExited || !File.Exists(status))
            return 0;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024;
    }

    public bool HasExited => _process.HasExited;

    public string RecentOutput()
    {
        lock (_lastLines)
            return string.Join(Environment.NewLine, _lastLines);
    }

    private async Task WaitForPortAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"{Name} did not listen on port {Port}:{Environment.NewLine}{RecentOutput()}");
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
                _lastLines.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
