using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Exports;

/// <summary>Images, latent files and animations of a session's history entries.</summary>
public sealed class SessionExports(
    SessionEditor editor, IDragFrameStore frames, InferenceGateway inference, FfmpegVideoEncoder video,
    BackgroundPriorityWorkers workers, IOptions<SessionsOptions> options)
{
    /// <summary>Room left in a response for its fields besides the animation's bytes.</summary>
    private const int ResponseOverheadBytes = 1024;

    public const int MinAnimationSize = 16;
    public const int MaxAnimationSize = 1024;
    public const int DefaultFrameDelayMs = 80;
    public const int DefaultFinalFrameDelayMs = 1000;

    /// <summary>Renders the entry's latent on the inference service (noise CONST: the same entry always gives the same image).</summary>
    public async Task<ExportImageResponse> ImageAsync(SessionKey key, ExportImageRequest request, CancellationToken cancellationToken)
    {
        var stored = (await editor.GetAsync(key, cancellationToken)).Value;
        var session = stored.Session;
        var entry = SessionHistory.Find(session, request.HasEntryId ? request.EntryId : null);
        var generated = await inference.GenerateAsync(key.Tenant, new GenerateRequest
        {
            Model = session.Model,
            Latent = entry.Latent,
            NoiseMode = NoiseMode.Const,
            Image = request.Image,
            WeightDelta = stored.WeightDelta,
        }, cancellationToken);
        return new ExportImageResponse { Image = generated.Image, EntryId = entry.Id };
    }

    public async Task<ExportLatentResponse> LatentAsync(SessionKey key, ExportLatentRequest request, CancellationToken cancellationToken)
    {
        var stored = (await editor.GetAsync(key, cancellationToken)).Value;
        var session = stored.Session;
        var entry = SessionHistory.Find(session, request.HasEntryId ? request.EntryId : null);
        var response = new ExportLatentResponse { Latent = entry.Latent, EntryId = entry.Id, Model = session.Model };
        switch (request.Format)
        {
            case LatentFileFormat.Unspecified or LatentFileFormat.Npy:
                response.Data = ByteString.CopyFrom(LatentFiles.ToNpy(entry.Latent));
                response.MediaType = LatentFiles.NpyMediaType;
                response.FileName = $"{session.Id}-{entry.Id}.npy";
                break;
            case LatentFileFormat.Npz:
                response.Data = ByteString.CopyFrom(LatentFiles.ToNpz(entry.Latent, stored.WeightDelta.Span));
                response.MediaType = LatentFiles.NpzMediaType;
                response.FileName = $"{session.Id}-{entry.Id}.npz";
                break;
            case LatentFileFormat.None:
                break;
            default:
                throw new InvalidInputException("format", $"must be NPY, NPZ or NONE, got {(int)request.Format}.");
        }
        return response;
    }

    /// <summary>The stored frames of a drag entry as a looping GIF or an H.264 MP4.</summary>
    public async Task<ExportAnimationResponse> AnimationAsync(SessionKey key, ExportAnimationRequest request, CancellationToken cancellationToken)
    {
        var mp4 = request.Format switch
        {
            AnimationFormat.Unspecified or AnimationFormat.Gif => false,
            AnimationFormat.Mp4 => true,
            _ => throw new InvalidInputException("format", $"must be GIF or MP4, got {(int)request.Format}."),
        };
        if (request.Size != 0 && request.Size is < MinAnimationSize or > MaxAnimationSize)
            throw new InvalidInputException("size", $"must be 0 (the frames' size) or {MinAnimationSize}..{MaxAnimationSize}, got {request.Size}.");
        if (mp4 && request.Size % 2 != 0)
            throw new InvalidInputException("size", $"must be even for MP4 (H.264 with 4:2:0 chroma), got {request.Size}.");
        if (request.FrameDelayMs != 0 && request.FrameDelayMs is < 20 or > 10_000)
            throw new InvalidInputException("frame_delay_ms", $"must be 0 (default {DefaultFrameDelayMs}) or 20..10000, got {request.FrameDelayMs}.");
        if (request.FinalFrameDelayMs > 60_000)
            throw new InvalidInputException("final_frame_delay_ms", $"must be 0 (default {DefaultFinalFrameDelayMs}) up to 60000, got {request.FinalFrameDelayMs}.");

        var session = (await editor.GetAsync(key, cancellationToken)).Value.Session;
        var entry = request.HasEntryId
            ? SessionHistory.Find(session, request.EntryId)
            : session.History.LastOrDefault(e => e.Kind == HistoryEntryKind.Drag)
                ?? throw new ReferenceNotFoundException("entry_id", "was not given and the session has no drag in its history.");
        if (entry.Kind != HistoryEntryKind.Drag)
            throw new InvalidInputException("entry_id", $"must name a DRAG entry; {entry.Id} is {entry.Kind}.");
        var stored = await frames.ReadFramesAsync(key, entry.DragId, cancellationToken);
        if (stored.Count == 0)
            throw new ReferenceNotFoundException("entry_id", $"{entry.Id}: no frames are stored for its drag (only the latest drag's frames are kept).");

        var frameDelayMs = (int)(request.FrameDelayMs == 0 ? DefaultFrameDelayMs : request.FrameDelayMs);
        var finalFrameDelayMs = (int)(request.FinalFrameDelayMs == 0 ? DefaultFinalFrameDelayMs : request.FinalFrameDelayMs);
        RequireWithinLimits(stored.Count, mp4, frameDelayMs, finalFrameDelayMs);
        var size = request.Size != 0 ? (int)request.Size : Math.Clamp(FramePixels.SideOf(stored[0].Image), MinAnimationSize, MaxAnimationSize);
        if (mp4)
            size &= ~1;
        var maxBytes = options.Value.MaxSendMessageBytes - ResponseOverheadBytes;
        // Batch work: frames are decoded and encoded below interactive work in CPU priority, the MP4's by its encoder.
        var (data, mediaType, frameCount) = mp4
            ? await Mp4Async(stored, size, frameDelayMs, finalFrameDelayMs, maxBytes, cancellationToken)
            : (await workers.RunAsync(() => EncodeGif(stored, size, Centiseconds(frameDelayMs), Math.Max(Centiseconds(frameDelayMs), Centiseconds(finalFrameDelayMs)), maxBytes, FramePixels.Decode), cancellationToken),
                "image/gif", stored.Count);
        return new ExportAnimationResponse
        {
            Data = ByteString.CopyFrom(data),
            MediaType = mediaType,
            FrameCount = (uint)frameCount,
            Width = (uint)size,
            Height = (uint)size,
            EntryId = entry.Id,
        };
    }

    /// <summary>
    /// <see cref="LimitReachedException"/>, before any frame is decoded, for an animation of more frames or a longer
    /// duration than <see cref="ExportLimitOptions"/> allows. An MP4 holds its last frame by
    /// repeating it, so its frames are counted with the repeats.
    /// </summary>
    private void RequireWithinLimits(int storedFrames, bool mp4, int frameDelayMs, int finalFrameDelayMs)
    {
        var limits = options.Value.ExportLimits;
        var frames = mp4 ? storedFrames + HoldFrames(frameDelayMs, finalFrameDelayMs) - 1 : storedFrames;
        var durationMs = mp4 ? (long)frames * frameDelayMs : (long)(storedFrames - 1) * frameDelayMs + Math.Max(frameDelayMs, finalFrameDelayMs);
        if (frames > limits.MaxFrames)
            throw new LimitReachedException(
                $"The animation would have {frames} frames, more than {limits.MaxFrames} (Sessions:ExportLimits:MaxFrames); raise frame_delay_ms or lower final_frame_delay_ms.");
        if (durationMs > limits.MaxDurationMs)
            throw new LimitReachedException(
                $"The animation would play {durationMs} ms, more than {limits.MaxDurationMs} (Sessions:ExportLimits:MaxDurationMs); lower frame_delay_ms or final_frame_delay_ms.");
    }

    private static int HoldFrames(int frameDelayMs, int finalFrameDelayMs) => Math.Max(1, (int)Math.Ceiling(finalFrameDelayMs / (double)frameDelayMs));

    /// <summary>
    /// The frames as a GIF of <paramref name="size"/> px, decoded one at a time as the writer
    /// reaches them: besides the kept (compressed) frames and the output, one decoded frame is in
    /// memory, however many there are. An output past <paramref name="maxBytes"/> (what a response
    /// may carry) stops the encoding with a <see cref="LimitReachedException"/> naming "size".
    /// </summary>
    internal static byte[] EncodeGif(IReadOnlyList<StoredDragFrame> stored, int size, int delay, int finalDelay, long maxBytes,
        Func<EncodedImage, int, byte[]> decode)
    {
        using var output = new MemoryStream();
        var writer = new GifWriter(output, size, size);
        for (var i = 0; i < stored.Count; i++)
        {
            var rgb = decode(stored[i].Image, size);
            writer.AddFrame(rgb, i == stored.Count - 1 ? finalDelay : delay);
            if (output.Length > maxBytes)
                throw new LimitReachedException(
                    $"size {size}: the animation of {stored.Count} frames passes {maxBytes} bytes after {i + 1} of them; ask for a smaller size.");
        }
        writer.Finish();
        return output.ToArray();
    }

    // An MP4 has one frame rate: the last frame is held by repeating it, and it does not loop. Frames
    // are decoded one at a time as ffmpeg takes them, as for the GIF.
    private async Task<(byte[] Data, string MediaType, int FrameCount)> Mp4Async(
        IReadOnlyList<StoredDragFrame> stored, int size, int frameDelayMs, int finalFrameDelayMs, long maxBytes, CancellationToken cancellationToken)
    {
        var sequence = stored.Concat(Enumerable.Repeat(stored[^1], HoldFrames(frameDelayMs, finalFrameDelayMs) - 1)).ToArray();
        byte[] data;
        try
        {
            data = await video.EncodeMp4Async(sequence.Select(frame => FramePixels.Decode(frame.Image, size)), sequence.Length, size, frameDelayMs, maxBytes, cancellationToken);
        }
        catch (VideoEncoderUnavailableException e)
        {
            throw new OperationNotAllowedException($"format MP4 needs ffmpeg, which this replica cannot run ({e.Message}); GIF is available.");
        }
        catch (VideoTooLargeException e)
        {
            throw new LimitReachedException(
                $"size {size}: the MP4 of {sequence.Length} frames passes {e.MaxBytes} bytes, what a response carries, after {e.FramesWritten} of them; ask for a smaller size.");
        }
        return (data, FfmpegVideoEncoder.Mp4MediaType, sequence.Length);
    }

    // Browsers show GIF delays under 20 ms as 100 ms: never write one.
    private static int Centiseconds(int milliseconds) => Math.Max(2, (int)Math.Round(milliseconds / 10.0));
}
