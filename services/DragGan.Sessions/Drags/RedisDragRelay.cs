using DragGan.Protos.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The relay over Redis pub/sub: one channel for a drag's frames and one for its commands, as
/// protobuf bytes. Pub/sub delivers to whoever listens at the moment and keeps nothing, which is
/// what frames need (a watcher wants the newest); the state that must survive is in the store.
/// </summary>
internal sealed class RedisDragRelay(IConnectionMultiplexer redis, IOptions<SessionsOptions> options) : IDragRelay
{
    public bool Enabled => true;

    public async Task PublishFrameAsync(string dragId, SessionDragFrame frame) =>
        await redis.GetSubscriber().PublishAsync(Channel(dragId, "frames"), frame.ToByteArray());

    public Task<IAsyncDisposable> SubscribeFramesAsync(string dragId, Action<SessionDragFrame> onFrame) =>
        SubscribeAsync(Channel(dragId, "frames"), bytes => onFrame(SessionDragFrame.Parser.ParseFrom(bytes)));

    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(5);

    public async Task<RelayedCommandOutcome> SendCommandAsync(string dragId, RelayedDragCommand command, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var subscriber = redis.GetSubscriber();
        var replyTo = Guid.NewGuid().ToString("N");
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Listen before sending, so that the answer cannot slip by.
        var replies = await subscriber.SubscribeAsync(Channel(dragId, $"reply:{replyTo}"));
        replies.OnMessage(message => reply.TrySetResult(RelayedCommandReply.Parser.ParseFrom((byte[])message.Message!).Queued));
        try
        {
            var sent = command.Clone();
            sent.ReplyTo = replyTo;
            if (await subscriber.PublishAsync(Channel(dragId, "commands"), sent.ToByteArray()) == 0)
                return RelayedCommandOutcome.NoRunner;
            var queued = await reply.Task.WaitAsync(timeout ?? DefaultCommandTimeout, cancellationToken);
            return queued ? RelayedCommandOutcome.Queued : RelayedCommandOutcome.QueueFull;
        }
        catch (TimeoutException)
        {
            return RelayedCommandOutcome.NoAnswer;
        }
        finally
        {
            await replies.UnsubscribeAsync();
        }
    }

    public Task<IAsyncDisposable> SubscribeCommandsAsync(string dragId, Func<RelayedDragCommand, bool> onCommand) =>
        SubscribeAsync(Channel(dragId, "commands"), bytes =>
        {
            var command = RelayedDragCommand.Parser.ParseFrom(bytes);
            var queued = onCommand(command);
            if (command.ReplyTo.Length > 0)
            {
                // Answered without waiting: the subscription's queue never holds a command for room.
                redis.GetSubscriber().Publish(Channel(dragId, $"reply:{command.ReplyTo}"),
                    new RelayedCommandReply { Queued = queued }.ToByteArray(), CommandFlags.FireAndForget);
            }
        });

    public Task<bool> HasRunnerAsync(string dragId) => HasSubscribersAsync(Channel(dragId, "commands"));

    public Task<bool> HasWatchersAsync(string dragId) => HasSubscribersAsync(Channel(dragId, "frames"));

    /// <summary>PUBSUB NUMSUB: the connections subscribed to the channel, [channel, count].</summary>
    private async Task<bool> HasSubscribersAsync(RedisChannel channel)
    {
        var reply = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", (string)channel!))!;
        return reply.Length == 2 && (long)reply[1] > 0;
    }

    private Task<IAsyncDisposable> SubscribeAsync(RedisChannel channel, Action<byte[]> onMessage) =>
        SubscribeAsync(channel, bytes =>
        {
            onMessage(bytes);
            return Task.CompletedTask;
        });

    private async Task<IAsyncDisposable> SubscribeAsync(RedisChannel channel, Func<byte[], Task> onMessage)
    {
        var subscriber = redis.GetSubscriber();
        // Sequential delivery: frames and commands must arrive in the order they were sent.
        var queue = await subscriber.SubscribeAsync(channel);
        queue.OnMessage(message => onMessage((byte[])message.Message!));
        return new Subscription(queue);
    }

    private RedisChannel Channel(string dragId, string kind) => RedisChannel.Literal($"{options.Value.RedisKeyPrefix}drag:{dragId}:{kind}");

    private sealed class Subscription(ChannelMessageQueue queue) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await queue.UnsubscribeAsync();
    }
}
