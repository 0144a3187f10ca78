using Microsoft.Extensions.Options;

namespace DragGan.Inference.Streaming;

/// <summary>
/// Admits the decoding of uploaded images, <see cref="InferenceOptions.MaxConcurrentImageDecodes"/>
/// at a time. A decode holds the image's full-size pixels until it is reduced to the model's
/// resolution, so without a bound every admitted stream could hold one at once. Callers wait for a
/// turn for as long as their call lasts.
/// </summary>
internal sealed class ImageDecodeAdmission(IOptions<InferenceOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _turns = new(options.Value.MaxConcurrentImageDecodes, options.Value.MaxConcurrentImageDecodes);

    public async Task<T> RunAsync<T>(Func<T> decode, CancellationToken cancellationToken)
    {
        await _turns.WaitAsync(cancellationToken);
        try
        {
            return decode();
        }
        finally
        {
            _turns.Release();
        }
    }

    public void Dispose() => _turns.Dispose();
}
