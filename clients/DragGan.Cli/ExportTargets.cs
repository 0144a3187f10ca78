using DragGan.Client;
using DragGan.Protos.V1;

namespace DragGan.Cli;

/// <summary>The files an export writes: the current image (PNG), the last drag as a GIF and/or an MP4, the latent (.npy, or .npz by extension).</summary>
internal sealed record ExportTargets(string? Png, string? Gif, string? Mp4, string? Latent)
{
    public bool Any => Png is not null || Gif is not null || Mp4 is not null || Latent is not null;

    /// <summary>Fails (exit 4) before any work when a path cannot be written.</summary>
    public void Check()
    {
        OutputFile.Check(Png, "--png");
        OutputFile.Check(Gif, "--gif");
        OutputFile.Check(Mp4, "--mp4");
        OutputFile.Check(Latent, "--latent");
    }

    public async Task WriteAsync(DragGanClient client, string sessionId, TextWriter output, CancellationToken cancellationToken)
    {
        if (Png is not null)
        {
            var png = await client.ExportPngAsync(sessionId, cancellationToken: cancellationToken);
            OutputFile.Write(Png, png);
            output.WriteLine($"wrote {Png}");
        }
        if (Gif is not null)
        {
            var gif = await client.ExportGifAsync(sessionId, cancellationToken: cancellationToken);
            OutputFile.Write(Gif, gif.Data.Span);
            output.WriteLine($"wrote {Gif} ({gif.FrameCount} frames, {gif.Width}x{gif.Height})");
        }
        if (Mp4 is not null)
        {
            var mp4 = await client.ExportMp4Async(sessionId, cancellationToken: cancellationToken);
            OutputFile.Write(Mp4, mp4.Data.Span);
            output.WriteLine($"wrote {Mp4} ({mp4.FrameCount} frames, {mp4.Width}x{mp4.Height})");
        }
        if (Latent is not null)
        {
            var format = Path.GetExtension(Latent).Equals(".npz", StringComparison.OrdinalIgnoreCase) ? LatentFileFormat.Npz : LatentFileFormat.Npy;
            var latent = await client.ExportLatentAsync(sessionId, format, cancellationToken: cancellationToken);
            OutputFile.Write(Latent, latent.Data.Span);
            output.WriteLine($"wrote {Latent} (w+ {latent.Latent.Rows}x{latent.Latent.WDim}, model {latent.Model})");
        }
    }
}
