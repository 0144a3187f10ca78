using System.Buffers.Binary;
using DragGan.Engine.Models;
using DragGan.Protos.V1;
using DragGan.Web.Tests.Support;
using Microsoft.Playwright;
using SkiaSharp;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace DragGan.Web.Tests;

/// <summary>
/// The web client in headless Chromium against the real services: what a person does on the
/// page, checked on what the page shows (canvas pixels, counters) and what it downloads.
/// </summary>
[Collection(WebStackCollection.Name)]
public sealed class DragInTheBrowserTests(WebStack stack, ITestOutputHelper output)
{
    /// <summary>The demo model's resolution: image pixels on the page's canvas.</summary>
    private const int Resolution = 256;

    /// <summary>The resolution of the built-in face model, the service's default.</summary>
    private const int FacesModelResolution = 128;

    [Fact]
    public async Task A_drag_runs_live_in_the_page_and_is_committed_undone_and_downloaded()
    {
        var page = await stack.NewPageAsync();
        var problems = WatchForErrors(page);
        await page.GotoAsync(stack.WebAddress);

        // The models come from the service over gRPC-Web, the service's default (the built-in face
        // model) preselected; this test drags on the demo model's 256 px images.
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);
        Assert.Equal(FacesModel.Name, await page.Locator("#model").InputValueAsync());
        await page.SelectOptionAsync("#model", DemoModel.Name);

        await page.Locator("#seed").FillAsync("42");
        await page.ClickAsync("#create");
        await WaitForStateAsync(page, "ready");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 1 of 1");
        Assert.Equal(Resolution, await page.EvalOnSelectorAsync<int>("#image", "canvas => canvas.width"));
        var created = await ImageDataUrlAsync(page);

        // A handle (red) and its target (blue), by clicking the picture.
        await ClickImageAsync(page, 100, 128);
        await ClickImageAsync(page, 130, 128);
        Assert.False(await page.Locator("#start").IsDisabledAsync());

        // The movable region, painted around both points: outside it the overlay is dimmed.
        await page.CheckAsync("input[name=tool][value=paint]");
        await page.Locator("#brush").FillAsync("64");
        await PaintAsync(page, (90, 128), (140, 128));
        Assert.True(await OverlayAlphaAsync(page, 10, 10) > 100, "the fixed region (outside the painted one) is dimmed");
        Assert.Equal(0, await OverlayAlphaAsync(page, 115, 140));

        await page.Locator("#max-steps").FillAsync("20");
        await page.ClickAsync("#start");
        await WaitForStateAsync(page, "dragging");

        // Frames stream in: the counter advances and the picture changes while the drag runs.
        await UntilAsync(page, "() => Number(document.getElementById('step').textContent) >= 3");
        await UntilAsync(page, "initial => document.getElementById('image').toDataURL() !== initial", created);
        var screenshot = Path.Combine(Prerequisites.ArtifactsFolder(), "drag-in-progress.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        Report($"Screenshot of the page mid-drag: {screenshot}");

        await page.ClickAsync("#stop");
        await WaitForStateAsync(page, "ready");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 2 of 2");
        var dragged = await ImageDataUrlAsync(page);
        Assert.NotEqual(created, dragged);

        // What the service recorded: the clicked pair, and the painted region sent as the
        // contract's mask, inverted (nonzero = fixed, so painted pixels are 0).
        var session = await stack.Sessions.GetSessionAsync(new GetSessionRequest { SessionId = SessionIdOf(page) });
        var pair = Assert.Single(session.Points);
        Assert.Equal((130, 128), (pair.Target.X, pair.Target.Y));
        Assert.Equal(Resolution * Resolution, session.Mask.Values.Length);
        Assert.Equal(0, session.Mask.Values[128 * Resolution + 115]);
        Assert.Equal(1, session.Mask.Values[10 * Resolution + 10]);

        // Undo shows the created image again, exactly; redo the dragged one.
        await page.ClickAsync("#undo");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 1 of 2");
        await WaitForStateAsync(page, "ready");
        Assert.Equal(created, await ImageDataUrlAsync(page));
        await page.ClickAsync("#redo");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 2 of 2");
        await WaitForStateAsync(page, "ready");
        Assert.Equal(dragged, await ImageDataUrlAsync(page));

        var png = await DownloadAsync(page, "#download-png");
        Assert.EndsWith(".png", png.Name);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png.Data[..8]);
        Assert.Equal(Resolution, BinaryPrimitives.ReadInt32BigEndian(png.Data.AsSpan(16, 4)));

        var gif = await DownloadAsync(page, "#download-gif");
        Assert.EndsWith(".gif", gif.Name);
        Assert.Equal("GIF89a"u8.ToArray(), gif.Data[..6]);
        Assert.True(GifFrameCount(gif.Data) >= 3, $"the GIF has the drag's frames ({GifFrameCount(gif.Data)})");

        // The same frames as H.264, the last one repeated to hold it for a second (12 x 80 ms more).
        var mp4 = await DownloadAsync(page, "#download-mp4");
        Assert.EndsWith(".mp4", mp4.Name);
        var video = await ProbedVideo.ReadAsync(mp4.Data);
        Assert.Equal(("h264", Resolution, Resolution, GifFrameCount(gif.Data) + 12), (video.Codec, video.Width, video.Height, video.DecodedFrames));

        await Expect(page.Locator("#status")).Not.ToHaveClassAsync("error");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task An_uploaded_photo_is_cropped_square_inverted_and_tuned_into_a_new_session_whose_psnr_the_page_shows()
    {
        var page = await stack.NewPageAsync();
        var problems = WatchForErrors(page);
        await page.GotoAsync(stack.WebAddress);
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);

        // Landscape on purpose: the page sends the centre square at the resolution of the model
        // selected, here the service's default (the face model, 128 px).
        await page.Locator("#photo").SetInputFilesAsync(new FilePayload
        {
            Name = "landscape.png",
            MimeType = "image/png",
            Buffer = LandscapePng(320, 200),
        });
        await page.Locator("#invert-steps").FillAsync("3");
        await page.Locator("#tuning-steps").FillAsync("2");
        await page.ClickAsync("#invert");
        await WaitForStateAsync(page, "ready");
        await Expect(page.Locator("#status")).ToContainTextAsync("inverted");
        await Expect(page.Locator("#status")).ToContainTextAsync("model tuned to it: reconstruction PSNR");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 1 of 1");
        Assert.Equal(FacesModelResolution, await page.EvalOnSelectorAsync<int>("#image", "canvas => canvas.width"));

        var session = await stack.Sessions.GetSessionAsync(new GetSessionRequest { SessionId = SessionIdOf(page) });
        Assert.Equal((FacesModel.Name, (uint)FacesModelResolution), (session.Model, session.Resolution));
        var entry = Assert.Single(session.History);
        Assert.Equal(HistoryEntryKind.Inverted, entry.Kind);
        Assert.Equal(5u, entry.Steps); // 3 projection steps, then 2 tuning steps
        Assert.True(session.WeightDeltaBytes > 0);
        var shown = System.Text.RegularExpressions.Regex.Match(await page.Locator("#status").InnerTextAsync(), @"PSNR (\d+\.\d) dB");
        Assert.True(shown.Success);
        Assert.Equal(entry.Psnr, double.Parse(shown.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0.051);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task The_api_key_is_kept_for_the_tab_alone_and_never_written_to_local_storage()
    {
        var page = await stack.NewPageAsync();
        var problems = WatchForErrors(page);
        await page.GotoAsync(stack.WebAddress);
        await Expect(page.Locator("#model option")).ToHaveCountAsync(2);
        await page.ClickAsync("details summary");
        await page.Locator("#api-key").FillAsync(stack.ApiKey);
        await page.Locator("#api-key").DispatchEventAsync("change");

        // A short drag with the key: the session is the key's tenant's.
        await page.SelectOptionAsync("#model", DemoModel.Name);
        await page.ClickAsync("#create");
        await WaitForStateAsync(page, "ready");
        await ClickImageAsync(page, 100, 128);
        await ClickImageAsync(page, 110, 128);
        await page.Locator("#max-steps").FillAsync("2");
        await page.ClickAsync("#start");
        await WaitForStateAsync(page, "dragging");
        await UntilAsync(page, "() => Number(document.getElementById('step').textContent) >= 1");
        await page.ClickAsync("#stop");
        await WaitForStateAsync(page, "ready");
        await Expect(page.Locator("#history")).ToHaveTextAsync("entry 2 of 2");
        var keyed = new Grpc.Core.Metadata { { "x-api-key", stack.ApiKey } };
        var session = await stack.Sessions.GetSessionAsync(new GetSessionRequest { SessionId = SessionIdOf(page) }, keyed);
        Assert.Equal(2, session.History.Count);

        var persisted = await page.EvaluateAsync<string>("() => JSON.stringify(Object.entries(localStorage))");
        Assert.DoesNotContain(stack.ApiKey, persisted);

        // Reloading the tab keeps the key (sessionStorage); another tab of the same browser does not see it.
        await page.ReloadAsync();
        await Expect(page.Locator("#api-key")).ToHaveValueAsync(stack.ApiKey);
        var otherTab = await page.Context.NewPageAsync();
        await otherTab.GotoAsync(stack.WebAddress);
        await Expect(otherTab.Locator("#model option")).ToHaveCountAsync(2);
        await Expect(otherTab.Locator("#api-key")).ToHaveValueAsync("");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    /// <summary>A PNG with a left-to-right gradient and a disc, wider than it is tall.</summary>
    private static byte[] LandscapePng(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = new SKPaint
            {
                Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, 0),
                    [SKColors.SteelBlue, SKColors.Orange], SKShaderTileMode.Clamp),
            };
            canvas.DrawRect(0, 0, width, height, gradient);
            using var disc = new SKPaint { Color = SKColors.White, IsAntialias = true };
            canvas.DrawCircle(width / 2f, height / 2f, height / 4f, disc);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>The page keeps its session's id in the address's fragment.</summary>
    private static string SessionIdOf(IPage page) => new Uri(page.Url).Fragment.TrimStart('#');

    private static List<string> WatchForErrors(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                problems.Add($"console: {message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => problems.Add($"page: {error}");
        return problems;
    }

    private static Task WaitForStateAsync(IPage page, string state) =>
        page.Locator($"body[data-state={state}]").WaitForAsync();

    /// <summary>Waits for <paramref name="condition"/>; on a timeout the failure says what the page showed.</summary>
    private static async Task UntilAsync(IPage page, string condition, object? argument = null)
    {
        try
        {
            await page.WaitForFunctionAsync(condition, argument);
        }
        catch (TimeoutException e)
        {
            var shown = await page.EvalOnSelectorAsync<string>("body",
                "body => `state ${body.dataset.state}, step ${document.getElementById('step').textContent}, status '${document.getElementById('status').textContent}'`");
            throw new TimeoutException($"{condition}: not true in time; the page showed {shown}.", e);
        }
    }

    private static Task<string> ImageDataUrlAsync(IPage page) =>
        page.EvalOnSelectorAsync<string>("#image", "canvas => canvas.toDataURL()");

    /// <summary>Where image pixel (x, y) is on the screen: the centre of that pixel on the overlay.</summary>
    private static async Task<(float X, float Y)> ScreenPointAsync(IPage page, double x, double y)
    {
        var box = await page.Locator("#overlay").BoundingBoxAsync() ?? throw new InvalidOperationException("The overlay is not visible.");
        return ((float)(box.X + (x + 0.5) * box.Width / Resolution), (float)(box.Y + (y + 0.5) * box.Height / Resolution));
    }

    private static async Task ClickImageAsync(IPage page, double x, double y)
    {
        var (screenX, screenY) = await ScreenPointAsync(page, x, y);
        await page.Mouse.ClickAsync(screenX, screenY);
    }

    private static async Task PaintAsync(IPage page, (double X, double Y) from, (double X, double Y) to)
    {
        var start = await ScreenPointAsync(page, from.X, from.Y);
        var end = await ScreenPointAsync(page, to.X, to.Y);
        await page.Mouse.MoveAsync(start.X, start.Y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(end.X, end.Y, new MouseMoveOptions { Steps = 10 });
        await page.Mouse.UpAsync();
    }

    /// <summary>The overlay's alpha over image pixel (x, y): the dimming of the fixed region.</summary>
    private static Task<int> OverlayAlphaAsync(IPage page, int x, int y) =>
        page.EvalOnSelectorAsync<int>("#overlay", """
            (canvas, [x, y, resolution]) => {
              const scale = canvas.width / resolution;
              const pixel = canvas.getContext('2d').getImageData(Math.floor((x + 0.5) * scale), Math.floor((y + 0.5) * scale), 1, 1);
              return pixel.data[3];
            }
            """, new[] { x, y, Resolution });

    private async Task<(string Name, byte[] Data)> DownloadAsync(IPage page, string button)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync(button));
        var path = Path.Combine(Prerequisites.ArtifactsFolder(), download.SuggestedFilename);
        await download.SaveAsAsync(path);
        Report($"Downloaded {path}");
        return (download.SuggestedFilename, await File.ReadAllBytesAsync(path));
    }

    /// <summary>Image descriptors in a GIF, walking its blocks (a 0x2C byte inside LZW data is not a frame).</summary>
    private static int GifFrameCount(byte[] gif)
    {
        var position = 13;
        if ((gif[10] & 0x80) != 0)
            position += 3 << ((gif[10] & 7) + 1);
        var frames = 0;
        while (position < gif.Length)
        {
            switch (gif[position])
            {
                case 0x3B:
                    return frames;
                case 0x21:
                    position = SkipSubBlocks(gif, position + 2);
                    break;
                case 0x2C:
                    frames++;
                    var packed = gif[position + 9];
                    position += 10;
                    if ((packed & 0x80) != 0)
                        position += 3 << ((packed & 7) + 1);
                    position = SkipSubBlocks(gif, position + 1);
                    break;
                default:
                    throw new InvalidDataException($"Unexpected GIF block 0x{gif[position]:X2} at {position}.");
            }
        }
        throw new InvalidDataException("The GIF has no trailer.");
    }

    private static int SkipSubBlocks(byte[] gif, int position)
    {
        while (gif[position] != 0)
            position += gif[position] + 1;
        return position + 1;
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
