using System.Diagnostics.Metrics;
using DragGan.Inference.Telemetry;

namespace DragGan.LoadTests;

/// <summary>Reads the in-process server's <c>draggan_inference_batch_size_chosen</c> gauge for one model.</summary>
internal sealed class ChosenBatchSizeProbe : IDisposable
{
    private const string GaugeName = "draggan_inference_batch_size_chosen";
    private readonly MeterListener _listener = new();
    private readonly string _model;
    private int? _last;

    public ChosenBatchSizeProbe(string model)
    {
        _model = model;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InferenceMetrics.MeterName && instrument.Name == GaugeName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "model" && Equals(tag.Value, _model))
                    _last = value;
            }
        });
        _listener.Start();
    }

    /// <summary>The size the model's scheduler has chosen now; null before its first drag.</summary>
    public int? Read()
    {
        _last = null;
        _listener.RecordObservableInstruments();
        return _last;
    }

    public void Dispose() => _listener.Dispose();
}
