using System.Diagnostics;

namespace DragGan.Deploy.Tests.Support;

/// <summary>External programs the tests run: kubectl (required), helm (optional), bash.</summary>
public static class Tools
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// kubectl: $KUBECTL, else on PATH, else deploy/tools/bin/kubectl (deploy/tools/install.sh).
    /// Missing kubectl fails the calling test: the manifests are only checked as kustomize renders them.
    /// </summary>
    public static string Kubectl => Find("kubectl", "KUBECTL")
        ?? throw new InvalidOperationException(
            "kubectl not found (looked at $KUBECTL, PATH and deploy/tools/bin). The kustomize tests render " +
            "deploy/kustomize with `kubectl kustomize`; install kubectl or run deploy/tools/install.sh.");

    /// <summary>helm: $HELM, else on PATH, else deploy/tools/bin/helm; null when there is none.</summary>
    public static string? Helm => Find("helm", "HELM");

    public static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repo.Root,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                    start.Environment.Remove(key);
                else
                    start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish in time.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and returns stdout, failing with the program's stderr when it exits non-zero.</summary>
    public static string RunChecked(string fileName, params string[] arguments)
    {
        var result = Run(fileName, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException(
                $"{System.IO.Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Stderr}{result.Stdout}");
        return result.Stdout;
    }

    private static string? Find(string name, string environmentVariable)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(environmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return File.Exists(fromEnvironment) ? fromEnvironment
                : throw new InvalidOperationException($"${environmentVariable} names {fromEnvironment}, which does not exist.");

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        var installed = Repo.Path("deploy", "tools", "bin", name);
        return File.Exists(installed) ? installed : null;
    }
}
