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

    public async Task<bool> SendCommandAsync(string dragId, RelayedDragCommand command) =>
        await redis.GetSubscriber().PublishAsync(Channel(dragId, "commands"), command.ToByteArray()) > 0;

    public Task<IAsyncDisposable> SubscribeCommandsAsync(string dragId, Func<RelayedDragCommand, Task> onCommand) =>
        SubscribeAsync(Channel(dragId, "commands"), bytes => onCommand(RelayedDragCommand.Parser.ParseFrom(bytes)));

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
