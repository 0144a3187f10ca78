using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace DragGan.Client.Tests.Support;

/// <summary>A Serilog sink the hosts pick up from their services (ReadFrom.Services): every event they log.</summary>
public sealed class RecordedLogs : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
