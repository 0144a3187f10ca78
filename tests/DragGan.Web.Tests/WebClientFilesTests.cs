using System.Net;
using DragGan.Sessions;
using DragGan.Web.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace DragGan.Web.Tests;

/// <summary>How the session service serves the built client: the page, its hashed assets, and a bad folder.</summary>
[Collection(WebStackCollection.Name)]
public sealed class WebClientFilesTests(WebStack stack)
{
    [Fact]
    public async Task The_page_is_served_at_the_root_and_revalidated_while_hashed_assets_are_cached_for_good()
    {
        using var http = new HttpClient { BaseAddress = new Uri(stack.WebAddress) };
        using var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.True(page.Headers.CacheControl?.NoCache, "index.html is revalidated, so a rebuilt client is picked up");

        var html = await page.Content.ReadAsStringAsync();
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"\\.?/(assets/[^\"]+\\.js)\"");
        Assert.True(script.Success, "index.html loads a bundled script from assets/");
        using var asset = await http.GetAsync(script.Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", asset.Headers.CacheControl?.Extensions.Select(e => e.Name) ?? []);
        Assert.Equal(TimeSpan.FromDays(365), asset.Headers.CacheControl?.MaxAge);
    }

    [Fact]
    public async Task The_page_is_served_with_a_content_security_policy_that_allows_only_its_own_origin()
    {
        using var http = new HttpClient { BaseAddress = new Uri(stack.WebAddress) };
        using var page = await http.GetAsync("/");
        Assert.True(page.Headers.TryGetValues("Content-Security-Policy", out var values), "the page carries a Content-Security-Policy");
        var directives = string.Join(",", values).Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("default-src 'self'", directives["default-src"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.DoesNotContain(directives.Values, d => d.Contains("'unsafe-inline'") || d.Contains("'unsafe-eval'"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
    }

    [Fact]
    public void A_configured_folder_without_a_built_client_stops_the_start_and_says_how_to_build_one()
    {
        var empty = Directory.CreateTempSubdirectory("draggan-web-root-");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => SessionsHost.CreateApplication([], builder =>
                builder.Configuration.AddInMemoryCollection([
                    new("Serilog:MinimumLevel:Default", "Warning"),
                    new("Sessions:WebRoot", empty.FullName),
                ])));
            Assert.Contains("Sessions:WebRoot", error.Message);
            Assert.Contains("npm run build", error.Message);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
