using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// A drag's start is kept with its session (so that another replica can start it over), and a
/// request may be 16 MiB: a start that cannot be the model's is refused INVALID_ARGUMENT, naming
/// the field, before anything reaches the store (measured as the bytes Redis received).
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class DragStartBoundsTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    /// <summary>The demo model's resolution.</summary>
    private const int Resolution = 256;

    /// <summary>Far below the megabytes each refused start carries, above a refusal's own store reads.</summary>
    private const long StoreTrafficBound = 256 << 10;

    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> OversizedStarts => new()
    {
        { "mask-values", "start.mask.values" },
        { "mask-width", "start.mask.width" },
        { "points", "start.points" },
        { "unknown-parameter-fields", "start.parameters" },
        { "unknown-frame-option-fields", "start.frame_options" },
    };

    [Theory]
    [MemberData(nameof(OversizedStarts))]
    public async Task A_start_that_cannot_be_the_models_is_refused_before_it_is_stored(string kind, string field)
    {
        var client = _server.Client();
        var session = await client.CreateAsync();
        var start = new SessionDragStart { SessionId = session.Id, Points = { Pair(100, 128, 130, 128) } };
        var megabytes = ByteString.CopyFrom(new byte[8 << 20]);
        switch (kind)
        {
            case "mask-values":
                start.Mask = new Mask { Width = Resolution, Height = Resolution, Values = megabytes };
                break;
            case "mask-width":
                start.Mask = new Mask { Width = 2048, Height = 2048, Values = ByteString.CopyFrom(new byte[2048 * 2048]) };
                break;
            case "points":
                start.Points.AddRange(Enumerable.Range(0, 200_000).Select(i => Pair(i % Resolution, 1, 2, 3)));
                break;
            case "unknown-parameter-fields":
                start.Parameters = DragParameters.Parser.ParseFrom(UnknownField(megabytes));
                break;
            case "unknown-frame-option-fields":
                start.FrameOptions = FrameOptions.Parser.ParseFrom(UnknownField(megabytes));
                break;
        }

        var received = await RedisBytesReceivedAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.StartDragAsync(new StartDragRequest { Start = start }).ResponseAsync);
        var traffic = await RedisBytesReceivedAsync() - received;

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(field, error.Status.Detail);
        Assert.True(traffic < StoreTrafficBound, $"Redis received {traffic} bytes for a refused start of {start.CalculateSize()} bytes");
        var after = await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
    }

    [Fact]
    public async Task A_start_with_a_mask_of_the_models_size_runs()
    {
        var client = _server.Client();
        var session = await client.CreateAsync();
        var values = new byte[Resolution * Resolution];
        values.AsSpan(0, Resolution * 16).Fill(1);
        var started = await client.StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = session.Id,
                Points = { Pair(100, 128, 130, 128) },
                Mask = new Mask { Width = Resolution, Height = Resolution, Values = ByteString.CopyFrom(values) },
                Parameters = new DragParameters { MaxSteps = 2 },
            },
        });
        await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = started.ActiveDrag.DragId });
    }

    /// <summary>A message holding only field 1000 (unknown to every message here) with <paramref name="value"/>.</summary>
    private static byte[] UnknownField(ByteString value)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(value);
        output.Flush();
        return buffer.ToArray();
    }

    private async Task<long> RedisBytesReceivedAsync()
    {
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{backend.Server.ConnectionString},allowAdmin=true");
        var stats = await admin.GetServer(admin.GetEndPoints().Single()).InfoAsync("stats");
        return long.Parse(stats.SelectMany(group => group).Single(p => p.Key == "total_net_input_bytes").Value);
    }
}
