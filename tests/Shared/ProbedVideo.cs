using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DragGan.Testing;

/// <summary>What ffprobe decodes from a video file (codec, size, frames actually decoded, duration), and its frames as ffmpeg decodes them.</summary>
public sealed record ProbedVideo(string Codec, string PixelFormat, int Width, int Height, int DecodedFrames, double DurationSeconds, string FormatName)
{
    /// <summary>Decodes <paramref name="video"/> (piped in, no file) with ffprobe, counting every frame.</summary>
    public static async Task<ProbedVideo> ReadAsync(byte[] video)
    {
        var startInfo = Tool("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration,format_name",
            "-of", "json", "-i", "pipe:0");
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(await PipeAsync(startInfo, video)));
        var stream = json.RootElement.GetProperty("streams")[0];
        var format = json.RootElement.GetProperty("format");
        return new ProbedVideo(
            stream.GetProperty("codec_name").GetString()!,
            stream.GetProperty("pix_fmt").GetString()!,
            stream.GetProperty("width").GetInt32(),
            stream.GetProperty("height").GetInt32(),
            int.Parse(stream.GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture),
            double.Parse(format.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture),
            format.GetProperty("format_name").GetString()!);
    }

    /// <summary>Every frame of <paramref name="video"/> decoded by ffmpeg to RGB, <paramref name="size"/> x <paramref name="size"/> each.</summary>
    public static async Task<List<byte[]>> DecodeRgbFramesAsync(byte[] video, int size)
    {
        var startInfo = Tool("ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");
        var rgb = await PipeAsync(startInfo, video);
        var frameBytes = size * size * 3;
        if (rgb.Length % frameBytes != 0)
            throw new InvalidDataException($"{rgb.Length} bytes of RGB are not whole {size}x{size} frames.");
        return rgb.Chunk(frameBytes).ToList();
    }

    private static ProcessStartInfo Tool(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        return startInfo;
    }

    private static async Task<byte[]> PipeAsync(ProcessStartInfo startInfo, byte[] input)
    {
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{startInfo.FileName} did not start.");
        using var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = process.StandardError.ReadToEndAsync();
        await using (var stdin = process.StandardInput.BaseStream)
            await stdin.WriteAsync(input);
        await reading;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidDataException($"{startInfo.FileName} could not read the video (exit {process.ExitCode}): {await errors}");
        return output.ToArray();
    }
}
