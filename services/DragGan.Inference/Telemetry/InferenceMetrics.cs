using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DragGan.Inference.Telemetry;

/// <summary>
/// The service's metrics, on a <see cref="Meter"/> named <see cref="MeterName"/>, exported by
/// OpenTelemetry's Prometheus exporter at /metrics on the metrics port. Instrument names are
/// Prometheus names already (the exporter adds <c>_total</c> to counters), so dashboards and the
/// autoscaler's custom metric (<c>draggan_inference_active_streams</c>) read them as written here.
/// </summary>
public sealed class InferenceMetrics
{
    public const string MeterName = "DragGan.Inference";

    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<long> _steps;
    private readonly Histogram<double> _stepSeconds;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _framesDropped;
    private readonly Counter<double> _modelSeconds;
    private readonly ConcurrentDictionary<object, Func<int>> _queueDepths = new();
    private readonly ConcurrentDictionary<object, Func<int>> _commandDepths = new();
    private readonly ConcurrentDictionary<object, (string Model, Func<int> Size)> _chosenBatchSizes = new();

    public InferenceMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _activeStreams = meter.CreateUpDownCounter<long>("draggan_inference_active_streams", "{stream}",
            "Open Drag and Invert streams on this replica (label kind).");
        _steps = meter.CreateCounter<long>("draggan_inference_steps", "{step}",
            "Drag and inversion optimisation steps taken (labels kind, model); its rate is steps/s.");
        _stepSeconds = meter.CreateHistogram("draggan_inference_step_seconds", "s",
            "Wall time of one batched drag step or one inversion step, forward to update (labels kind, model).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _batchSize = meter.CreateHistogram("draggan_inference_batch_size", "{edit}",
            "Edits stepped together in one batched drag step (label model).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });
        _framesDropped = meter.CreateCounter<long>("draggan_inference_frames_dropped", "{frame}",
            "Frames dropped because a stream's consumer fell behind (newest frame wins).");
        _modelSeconds = meter.CreateCounter<double>("draggan_inference_model_seconds", "s",
            "Time each tenant's calls and drag steps held a model, as its turns were charged (labels model, tenant): its share of the GPU.");
        meter.CreateObservableGauge("draggan_inference_frame_queue_depth", () => _queueDepths.Values.Sum(depth => depth()), "{frame}",
            "Frames waiting in all streams' queues.");
        meter.CreateObservableGauge("draggan_inference_command_queue_depth", () => _commandDepths.Values.Sum(depth => depth()), "{command}",
            "Client commands waiting for the drag loops, all streams (each stream holds a bounded number).");
        meter.CreateObservableGauge("draggan_inference_batch_size_chosen", ObserveChosenBatchSizes, "{edit}",
            "The drag batch size each model's scheduler has found best from its measured step times (label model).");
        meter.CreateObservableGauge("draggan_inference_device_memory_used_bytes", ObserveDeviceMemory, "By",
            "Memory in use on each GPU (NVML); absent on CPU-only replicas.");
    }

    public void StreamOpened(string kind) => _activeStreams.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void StreamClosed(string kind) => _activeStreams.Add(-1, new KeyValuePair<string, object?>("kind", kind));

    public void StepTaken(string kind, string model, int edits, TimeSpan elapsed)
    {
        var tags = new TagList { { "kind", kind }, { "model", model } };
        _steps.Add(edits, tags);
        _stepSeconds.Record(elapsed.TotalSeconds, tags);
        if (kind == StreamKinds.Drag)
            _batchSize.Record(edits, new KeyValuePair<string, object?>("model", model));
    }

    public void FrameDropped() => _framesDropped.Add(1);

    /// <summary>
    /// Counts the time a call or a drag's part of a step of <paramref name="tenant"/> held <paramref name="model"/>.
    /// Tenants are the session services' configured ones (the label's values are bounded by them).
    /// </summary>
    public void ModelTimeUsed(string model, string tenant, TimeSpan held) =>
        _modelSeconds.Add(held.TotalSeconds, new TagList { { "model", model }, { "tenant", tenant } });

    /// <summary>Counts <paramref name="depth"/> into the queue-depth gauge until the returned handle is disposed.</summary>
    public IDisposable TrackQueue(Func<int> depth)
    {
        var key = new object();
        _queueDepths[key] = depth;
        return new Registration(() => _queueDepths.TryRemove(key, out _));
    }

    /// <summary>Counts <paramref name="depth"/> into the command-queue gauge until the returned handle is disposed.</summary>
    public IDisposable TrackCommandQueue(Func<int> depth)
    {
        var key = new object();
        _commandDepths[key] = depth;
        return new Registration(() => _commandDepths.TryRemove(key, out _));
    }

    /// <summary>Reports <paramref name="size"/> as the model's chosen batch size until the returned handle is disposed.</summary>
    public IDisposable TrackChosenBatchSize(string model, Func<int> size)
    {
        var key = new object();
        _chosenBatchSizes[key] = (model, size);
        return new Registration(() => _chosenBatchSizes.TryRemove(key, out _));
    }

    private IEnumerable<Measurement<int>> ObserveChosenBatchSizes() =>
        _chosenBatchSizes.Values.Select(entry => new Measurement<int>(entry.Size(), new KeyValuePair<string, object?>("model", entry.Model)));

    private static IEnumerable<Measurement<long>> ObserveDeviceMemory() =>
        NvmlMemoryProbe.Read().Select((used, gpu) => new Measurement<long>(used, new KeyValuePair<string, object?>("gpu", gpu)));

    private sealed class Registration(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                dispose();
        }
    }
}
