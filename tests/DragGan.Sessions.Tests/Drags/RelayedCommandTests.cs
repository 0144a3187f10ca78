using DragGan.Protos.V1;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Tests.Support;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// Commands sent to the replica that runs a drag, over Redis: the runner answers each at once,
/// queued or refused (its queue is full), and never waits for room inside the subscription, so
/// commands cannot pile up in the client's unbounded message queue; the sender learns the answer.
/// </summary>
public sealed class RelayedCommandTests(RedisBackend backend) : IClassFixture<RedisBackend>
{
    private RedisDragRelay Relay(string prefix) =>
        new(backend.Server.Connection, Options.Create(new SessionsOptions { RedisKeyPrefix = prefix }));

    [Fact]
    public async Task ACommandTheRunnerCannotQueue_IsRefusedToItsSender_AndOneItQueuesIsAccepted()
    {
        var prefix = $"test:{Guid.NewGuid():N}:";
        var runner = Relay(prefix);
        var sender = Relay(prefix);
        var room = 1;
        var received = new List<RelayedDragCommand>();
        await using var commands = await runner.SubscribeCommandsAsync("d1", command =>
        {
            lock (received)
                received.Add(command);
            return Interlocked.Decrement(ref room) >= 0;
        });

        var accepted = await sender.SendCommandAsync("d1", new RelayedDragCommand { Pause = new DragPause() }, CancellationToken.None);
        var refused = await sender.SendCommandAsync("d1", new RelayedDragCommand { Unpause = new DragUnpause() }, CancellationToken.None);
        var nobody = await sender.SendCommandAsync("d2", new RelayedDragCommand { Pause = new DragPause() }, CancellationToken.None);

        Assert.Equal(RelayedCommandOutcome.Queued, accepted);
        Assert.Equal(RelayedCommandOutcome.QueueFull, refused);
        Assert.Equal(RelayedCommandOutcome.NoRunner, nobody);
        Assert.Equal(2, received.Count);
    }

    [Fact]
    public async Task ARunnerThatDoesNotAnswer_LeavesTheSenderWaitingNoLongerThanItsTimeout()
    {
        var prefix = $"test:{Guid.NewGuid():N}:";
        var sender = Relay(prefix);
        // A runner that listens but never answers: an old replica, or one cut off mid-call.
        var silent = await backend.Server.Connection.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal($"{prefix}drag:d1:commands"));

        var outcome = await sender.SendCommandAsync("d1", new RelayedDragCommand { Pause = new DragPause() }, CancellationToken.None, TimeSpan.FromMilliseconds(500));
        await silent.UnsubscribeAsync();

        Assert.Equal(RelayedCommandOutcome.NoAnswer, outcome);
    }
}
