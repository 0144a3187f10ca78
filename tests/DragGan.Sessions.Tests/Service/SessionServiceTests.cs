using System.Buffers.Binary;
using System.Text;
using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// draggan.v1.Sessions over real gRPC, with a real inference server (the demo model), against
/// each store: the host every area's tests start (<see cref="SessionLifecycleTests"/>,
/// <see cref="SessionHistoryTests"/>, <see cref="SessionExportTests"/>,
/// <see cref="SessionDragCallTests"/>) and the checks they share.
/// </summary>
public abstract class SessionServiceTests(InferenceServer inference, IStoreBackend backend) : IAsyncLifetime
{
    protected const int MaxHistory = 5;

    private SessionsServer _server = null!;

    protected SessionsServer Server => _server;

    protected IStoreBackend Backend => backend;

    protected SessionsClient Client => _server.Client();

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:MaxHistory", MaxHistory.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    protected static SessionDragStart DragStart(string sessionId, uint maxSteps) => new()
    {
        SessionId = sessionId,
        Points = { Pair(100, 128, 130, 128) },
        Parameters = new DragParameters { MaxSteps = maxSteps, StopDistance = 0.5 },
        FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 32, Encoding = ImageEncoding.Jpeg } },
    };

    protected async Task AssertCreateInvalid(LatentSessionSource source, string field) =>
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(new CreateSessionRequest { Latent = source }).ResponseAsync), field);

    protected static void AssertInvalid(RpcException error, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail);
    }

    protected static void AssertMissing(RpcException error, string field)
    {
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail);
    }

    protected static async Task AssertPrecondition(Func<Task> call) =>
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);

    /// <summary>A call into the service's internals failing as it would fail a client's call: the service's own errors as their statuses.</summary>
    protected static async Task AsClientSees(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (SessionsException e)
        {
            throw SessionsErrorStatuses.ToRpcException(e);
        }
    }

    /// <summary>Shape and values of a v1.0 little-endian float32 .npy, checking the header NumPy requires.</summary>
    protected static (string Shape, float[] Values) ReadNpy(byte[] file)
    {
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' }, file[..6]);
        Assert.Equal((1, 0), (file[6], file[7]));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        var shape = header[header.IndexOf('(')..(header.IndexOf(')') + 1)];
        var data = file.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        return (shape, values);
    }
}
