using Microsoft.Extensions.FileProviders;

namespace DragGan.Sessions.Web;

/// <summary>
/// Serves the browser client (clients/web, built with <c>npm run build</c>) as static files. The
/// page calls the gRPC-Web endpoint of the same service, so it needs no CORS and no address.
/// </summary>
internal static class WebClientFiles
{
    /// <summary>The default folder, beside the binaries: the build copies clients/web/dist there.</summary>
    public const string DefaultFolder = "wwwroot";

    /// <summary>
    /// The folder to serve: <see cref="SessionsOptions.WebRoot"/>, or <see cref="DefaultFolder"/>
    /// when that is unset; null when the default folder holds no client (nothing is served then).
    /// </summary>
    /// <exception cref="InvalidOperationException">The configured folder has no index.html.</exception>
    public static string? Locate(SessionsOptions options, IHostEnvironment environment)
    {
        var configured = !string.IsNullOrWhiteSpace(options.WebRoot);
        var root = Path.GetFullPath(configured ? options.WebRoot! : DefaultFolder, environment.ContentRootPath);
        if (File.Exists(Path.Combine(root, "index.html")))
            return root;
        if (configured)
            throw new InvalidOperationException(
                $"{SessionsOptions.SectionName}:WebRoot '{root}' has no index.html; build the client with `npm ci && npm run build` in clients/web.");
        return null;
    }

    /// <summary>Adds the static-file middleware for <paramref name="root"/> (from <see cref="Locate"/>).</summary>
    public static void UseWebClient(this WebApplication app, string? root)
    {
        if (root is null)
        {
            app.Logger.LogInformation("No web client in {WebRoot}: build clients/web to serve one",
                Path.Combine(app.Environment.ContentRootPath, DefaultFolder));
            return;
        }

        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.CacheControl = CacheControlFor(context.Context.Request.Path);
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            },
        });
        app.Logger.LogInformation("Serving the web client from {WebRoot}", root);
    }

    /// <summary>
    /// The page loads its script, style and icon from its own origin and calls its own gRPC-Web
    /// endpoint; it has no inline script or style. Nothing else may run, load or frame it, so an
    /// injected script could neither run nor send the API key elsewhere.
    /// </summary>
    private const string ContentSecurityPolicy =
        "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>
    /// Vite names the files under /assets by their content hash, so they never change; the page
    /// itself must be revalidated to pick up a rebuilt client.
    /// </summary>
    private static string CacheControlFor(PathString path) => path.StartsWithSegments("/assets")
        ? "public, max-age=31536000, immutable"
        : "no-cache";
}
