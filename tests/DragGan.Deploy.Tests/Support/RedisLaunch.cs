using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace DragGan.Deploy.Tests.Support;

/// <summary>
/// How the bundled Redis is started everywhere: a shell hands redis-server its password on standard
/// input (<c>redis-server -</c> reads configuration there), from the Secret's environment variable,
/// so the password is in no process's arguments and in no container's command.
/// </summary>
public static class RedisLaunch
{
    /// <summary>The command is <c>sh -c &lt;script&gt; redis-server &lt;flags&gt;</c>; only the script names the password's variable.</summary>
    public static void AssertPasswordOutOfArguments(string source, IReadOnlyList<string> command, string variableReference)
    {
        Assert.DoesNotContain("--requirepass", command);
        Assert.True(command.Count > 3 && command[0] == "sh" && command[1] == "-c" && command[3] == "redis-server",
            $"{source}: Redis starts as `sh -c <script> redis-server <flags>`, got [{string.Join(", ", command)}].");
        Assert.Contains("exec redis-server - \"$@\"", command[2]);
        Assert.Contains($"requirepass {variableReference}", command[2]);
        Assert.DoesNotContain(command.Skip(3), a => a.Contains("PASSWORD", StringComparison.Ordinal));
    }

    /// <summary>
    /// Runs the command with the local redis-server on a free loopback port and a random password:
    /// Redis refuses a client without the password, answers one with it, and its arguments do not
    /// hold it.
    /// </summary>
    public static void AssertStartsWithThePassword(IReadOnlyList<string> command, string script)
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        var port = FreeLoopbackPort();
        var data = Directory.CreateTempSubdirectory("draggan-redis-launch-");
        var start = new ProcessStartInfo("sh") { UseShellExecute = false, WorkingDirectory = data.FullName };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in command.Skip(3))
            start.ArgumentList.Add(argument);
        foreach (var argument in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", data.FullName })
            start.ArgumentList.Add(argument);
        start.Environment["REDIS_PASSWORD"] = password;
        start.RedirectStandardOutput = true;
        using var redis = Process.Start(start) ?? throw new InvalidOperationException("Could not start sh.");
        _ = redis.StandardOutput.ReadToEndAsync();
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            string answer;
            while ((answer = Ping(port, password)) != "PONG" && DateTime.UtcNow < deadline && !redis.HasExited)
                Thread.Sleep(100);
            Assert.Equal("PONG", answer);
            Assert.Contains("NOAUTH", Ping(port, password: null));
            var arguments = File.ReadAllText($"/proc/{redis.Id}/cmdline");
            Assert.StartsWith("redis-server", arguments);
            Assert.DoesNotContain(password, arguments);
        }
        finally
        {
            redis.Kill();
            redis.WaitForExit();
            data.Delete(recursive: true);
        }
    }

    private static string Ping(int port, string? password)
    {
        var result = Tools.Run("redis-cli", ["-p", port.ToString(), "ping"],
            environment: new Dictionary<string, string?> { ["REDISCLI_AUTH"] = password }, timeout: TimeSpan.FromSeconds(10));
        return (result.Stdout + result.Stderr).Trim();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
