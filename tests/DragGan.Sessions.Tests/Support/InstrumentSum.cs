using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// The sum of what one host's instrument recorded from now on (an up-down counter's net change);
/// other hosts of the test process, which share meter names, are ignored.
/// </summary>
public sealed class InstrumentSum : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _sum;

    public InstrumentSum(IServiceProvider host, string meter, string instrument)
    {
        var scope = host.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == meter && ReferenceEquals(published.Meter.Scope, scope) && published.Name == instrument)
                listener.EnableMeasurementEvents(published);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _sum, value));
        _listener.Start();
    }

    public long Value => Interlocked.Read(ref _sum);

    public void Dispose() => _listener.Dispose();
}
