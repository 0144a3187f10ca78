using DragGan.Inference;
using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using static DragGan.Sessions.Tests.Support.TunedPhotos;

namespace DragGan.Sessions.Tests.Inference;

/// <summary>
/// The session service names the calling tenant on its Generate and Invert calls, and the inference
/// service's gate charges that tenant for them (docs/tenancy.md, "Sharing the GPU"): a tenant's
/// session creations and uploads come out of its own share of the model.
/// </summary>
public sealed class TenantOnInferenceCallsTests(SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    // A tenant that never calls: its pass is the level of the last turn given.
    private const string Nobody = "nobody";

    private ReplicaStack _stack = null!;

    public async Task InitializeAsync() => _stack = await ReplicaStack.StartAsync(backend);

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    private TenantPasses Passes => _stack.Inference.Services.GetRequiredService<ModelGates>().PassesOf(DemoModel);

    [Fact]
    public async Task GenerateAndInvert_AreChargedToTheTenantThatAskedForThem()
    {
        var beta = _stack.Sessions[0].Client(TestTenants.BetaKey);
        var alpha = _stack.Sessions[0].Client(TestTenants.AlphaKey);

        // Beta's session from a seed: one Generate. Charged to a tenant not named, it would leave
        // beta level with a tenant that never called.
        var photo = await PhotoAsync(beta);
        Assert.True(Passes.PassOf(TestTenants.Beta) > Passes.PassOf(Nobody), "beta's generation was not charged to beta");
        Assert.Equal(Passes.PassOf(Nobody), Passes.PassOf(TestTenants.Alpha));

        // Alpha's upload: an Invert stream of projection steps.
        await alpha.CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Image = photo, Options = new InvertOptions { Steps = 3, PivotalTuning = false } },
        });
        Assert.True(Passes.PassOf(TestTenants.Alpha) > Passes.PassOf(Nobody), "alpha's inversion was not charged to alpha");
    }
}
