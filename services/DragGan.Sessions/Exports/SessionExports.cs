using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Exports;

/// <summary>Images, latent files and animations of a session's history entries.</summary>
public sealed class SessionExports(SessionEditor editor, IDragFrameStore frames, InferenceGateway inference, IOptions<SessionsOptions> options)
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
        var session = (await editor.GetAsync(key, cancellationToken)).Value.Session;
        var entry = SessionHistory.Find(session, request.HasEntryId ? request.EntryId : null);
        var generated = await inference.GenerateAsync(new GenerateRequest
        {
            Model = session.Model,
            Latent = entry.Latent,
            NoiseMode = NoiseMode.Const,
            Image = request.Image,
        }, cancellationToken);
        return new ExportImageResponse { Image = generated.Image, EntryId = entry.Id };
    }

    public async Task<ExportLatentResponse> LatentAsync(SessionKey key, ExportLatentRequest request, CancellationToken cancellationToken)
    {
        var session = (await editor.GetAsync(key, cancellationToken)).Value.Session;
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
                response.Data = ByteString.CopyFrom(LatentFiles.ToNpz(entry.Latent));
                response.MediaType = LatentFiles.NpzMediaType;
                response.FileName = $"{session.Id}-{entry.Id}.npz";
                break;
            case LatentFileFormat.None:
                break;
            default:
                throw Invalid.Argument("format", $"must be NPY, NPZ or NONE, got {(int)request.Format}.");
        }
        return response;
    }

    /// <summary>The stored frames of a drag entry as a looping GIF.</summary>
    public async Task<ExportAnimationResponse> AnimationAsync(SessionKey key, ExportAnimationRequest request, CancellationToken cancellationToken)
    {
        switch (request.Format)
        {
            case AnimationFormat.Unspecified or AnimationFormat.Gif:
                break;
            case AnimationFormat.Mp4:
                throw new RpcException(new Status(StatusCode.Unimplemented, "format MP4 is not available in this version; use GIF."));
            default:
                throw Invalid.Argument("format", $"must be GIF or MP4, got {(int)request.Format}.");
        }
        if (request.Size != 0 && request.Size is < MinAnimationSize or > MaxAnimationSize)
            throw Invalid.Argument("size", $"must be 0 (the frames' size) or {MinAnimationSize}..{MaxAnimationSize}, got {request.Size}.");
        if (request.FrameDelayMs != 0 && request.FrameDelayMs is < 20 or > 10_000)
            throw Invalid.Argument("frame_delay_ms", $"must be 0 (default {DefaultFrameDelayMs}) or 20..10000, got {request.FrameDelayMs}.");
        if (request.FinalFrameDelayMs > 60_000)
            throw Invalid.Argument("final_frame_delay_ms", $"must be 0 (default {DefaultFinalFrameDelayMs}) up to 60000, got {request.FinalFrameDelayMs}.");

        var session = (await editor.GetAsync(key, cancellationToken)).Value.Session;
        var entry = request.HasEntryId
            ? SessionHistory.Find(session, request.EntryId)
            : session.History.LastOrDefault(e => e.Kind == HistoryEntryKind.Drag)
                ?? throw Invalid.Missing("entry_id", "was not given and the session has no drag in its history.");
        if (entry.Kind != HistoryEntryKind.Drag)
            throw Invalid.Argument("entry_id", $"must name a DRAG entry; {entry.Id} is {entry.Kind}.");
        var stored = await frames.ReadFramesAsync(key, entry.DragId, cancellationToken);
        if (stored.Count == 0)
            throw Invalid.Missing("entry_id", $"{entry.Id}: no frames are stored for its drag (only the latest drag's frames are kept).");

        var size = request.Size != 0 ? (int)request.Size : Math.Clamp(FramePixels.SideOf(stored[0].Image), MinAnimationSize, MaxAnimationSize);
        var delay = Centiseconds(request.FrameDelayMs == 0 ? DefaultFrameDelayMs : request.FrameDelayMs);
        var finalDelay = Math.Max(delay, Centiseconds(request.FinalFrameDelayMs == 0 ? DefaultFinalFrameDelayMs : request.FinalFrameDelayMs));
        var gif = EncodeGif(stored, size, delay, finalDelay, options.Value.MaxSendMessageBytes - ResponseOverheadBytes, FramePixels.Decode);
        return new ExportAnimationResponse
        {
            Data = ByteString.CopyFrom(gif),
            MediaType = "image/gif",
            FrameCount = (uint)stored.Count,
            Width = (uint)size,
            Height = (uint)size,
            EntryId = entry.Id,
        };
    }

    /// <summary>
    /// The frames as a GIF of <paramref name="size"/> px, decoded one at a time as the writer
    /// reaches them: besides the kept (compressed) frames and the output, one decoded frame is in
    /// memory, however many there are. An output past <paramref name="maxBytes"/> (what a response
    /// may carry) stops the encoding with RESOURCE_EXHAUSTED naming "size".
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
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"size {size}: the animation of {stored.Count} frames passes {maxBytes} bytes after {i + 1} of them; ask for a smaller size."));
        }
        writer.Finish();
        return output.ToArray();
    }

    // Browsers show GIF delays under 20 ms as 100 ms: never write one.
    private static int Centiseconds(uint milliseconds) => Math.Max(2, (int)Math.Round(milliseconds / 10.0));
}
