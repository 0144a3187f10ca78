using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Exports;

/// <summary>
/// H.264 MP4 from RGB frames through an ffmpeg process: raw frames go in on its standard input and
/// the file comes back on its standard output, so nothing is written to disk (the container's root
/// filesystem is read-only). A pipe cannot be seeked back to write the index at the start, so the
/// MP4 is fragmented (an empty index first, then a fragment per keyframe), which browsers and
/// players play like any MP4. ffmpeg and the frames' enumeration (their decoding) run below
/// interactive work in CPU priority, on <see cref="BackgroundPriorityWorkers"/>.
/// </summary>
public sealed class FfmpegVideoEncoder(IOptions<SessionsOptions> options, BackgroundPriorityWorkers workers, ILogger<FfmpegVideoEncoder> logger)
{
    public const string Mp4MediaType = "video/mp4";

    /// <summary>Encodes <paramref name="frames"/> (<paramref name="frameCount"/> of them, enumerated once as ffmpeg takes them; RGB, <paramref name="size"/> x <paramref name="size"/>, even) at 1000 / <paramref name="frameDelayMs"/> frames per second.</summary>
    /// <exception cref="VideoEncoderUnavailableException">ffmpeg cannot be started.</exception>
    /// <exception cref="VideoTooLargeException">The file passed <paramref name="maxBytes"/> as ffmpeg wrote it: ffmpeg was stopped there.</exception>
    /// <exception cref="InvalidOperationException">ffmpeg failed (its last error line is in the message).</exception>
    public async Task<byte[]> EncodeMp4Async(IEnumerable<byte[]> frames, int frameCount, int size, int frameDelayMs, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frameCount);
        if (size <= 0 || size % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "H.264 with 4:2:0 chroma needs an even frame size.");

        using var process = await workers.RunAsync(() => Start(Mp4Arguments(size, frameDelayMs)), cancellationToken);
        // Kill rather than wait: a cancelled export must not leave an encoder running.
        await using var kill = cancellationToken.Register(() => Kill(process));
        using var file = new MemoryStream();
        var reading = ReadBoundedAsync(process, file, maxBytes);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var written = 0;
        try
        {
            await using var input = process.StandardInput.BaseStream;
            using var frame = frames.GetEnumerator();
            // Stopped for its size: the remaining frames are not decoded.
            while (!(reading.IsCompleted && file.Length > maxBytes) && await workers.RunAsync(frame.MoveNext, cancellationToken))
            {
                await input.WriteAsync(frame.Current, cancellationToken);
                written++;
            }
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // ffmpeg closed its input early: it failed or was stopped, and what follows says which.
        }
        var tooLarge = await reading;
        var messages = await errors;
        await process.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        if (tooLarge)
            throw new VideoTooLargeException(maxBytes, written);
        if (process.ExitCode != 0)
        {
            var reason = messages.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
            logger.LogError("ffmpeg failed to encode {Frames} frames of {Size} px with exit code {ExitCode}: {Messages}", frameCount, size, process.ExitCode, messages);
            throw new InvalidOperationException($"ffmpeg failed with exit code {process.ExitCode}: {reason}");
        }
        return file.ToArray();
    }

    /// <summary>
    /// Copies ffmpeg's output into <paramref name="file"/> until it passes <paramref name="maxBytes"/>,
    /// when ffmpeg is stopped; returns whether it was.
    /// </summary>
    private static async Task<bool> ReadBoundedAsync(Process process, MemoryStream file, long maxBytes)
    {
        var output = process.StandardOutput.BaseStream;
        var buffer = new byte[81920];
        int read;
        while ((read = await output.ReadAsync(buffer)) > 0)
        {
            file.Write(buffer, 0, read);
            if (file.Length > maxBytes)
            {
                Kill(process);
                return true;
            }
        }
        return false;
    }

    private static List<string> Mp4Arguments(int size, int frameDelayMs) =>
    [
        "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-video_size", $"{size}x{size}",
        "-framerate", string.Create(CultureInfo.InvariantCulture, $"1000/{frameDelayMs}"),
        "-i", "pipe:0",
        "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
        // 4:2:0 is the chroma layout every H.264 decoder (browsers included) plays.
        "-pix_fmt", "yuv420p",
        "-movflags", "frag_keyframe+empty_moov+default_base_moof",
        // A fragment at least every half second of video, so that the output's size is known (and
        // bounded) as it is written, not only at keyframes, which may be 250 frames apart.
        "-frag_duration", "500000",
        "-f", "mp4", "pipe:1",
    ];

    // Called on a background-priority worker: on Linux the child is forked from the calling thread
    // and inherits its niceness, its own threads too.
    private Process Start(IEnumerable<string> arguments)
    {
        var program = options.Value.FfmpegPath;
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        try
        {
            return Process.Start(startInfo) ?? throw new VideoEncoderUnavailableException(program, new InvalidOperationException("no process was started"));
        }
        catch (Win32Exception e)
        {
            throw new VideoEncoderUnavailableException(program, e);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }
    }
}
