namespace DragGan.Web.Tests.Support;

/// <summary>
/// What the browser tests need from outside the build: Chromium and the built web client. Each is
/// checked up front so that a missing one fails with what to do, not with a timeout.
/// </summary>
internal static class Prerequisites
{
    /// <summary>Debian's Chromium; DRAGGAN_CHROMIUM names another build.</summary>
    public static string Chromium()
    {
        var path = Environment.GetEnvironmentVariable("DRAGGAN_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"Chromium is missing at {path}: install it with `sudo apt-get install -y chromium` (or set DRAGGAN_CHROMIUM).");
        return path;
    }

    /// <summary>clients/web/dist, the output of `npm run build`.</summary>
    public static string BuiltWebClient()
    {
        var dist = Path.Combine(RepositoryRoot(), "clients", "web", "dist");
        if (!File.Exists(Path.Combine(dist, "index.html")))
            throw new InvalidOperationException(
                $"The web client is not built ({dist}/index.html is missing): run `npm ci && npm run build` in clients/web.");
        return dist;
    }

    /// <summary>Where the tests leave screenshots and downloads: artifacts/ in the test's output folder.</summary>
    public static string ArtifactsFolder()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "DragGan.sln")))
                return folder.FullName;
        }
        throw new InvalidOperationException($"No DragGan.sln above {AppContext.BaseDirectory}.");
    }
}
