using DragGan.Inference.Drags;

namespace DragGan.Inference.Tests.Drags;

/// <summary>
/// The drag loop shares each batch between tenants by turns, weighted (<see cref="TenantTurns"/>),
/// then between a tenant's streams round-robin: a tenant with many streams gets its tenant's
/// share, not one share per stream; turns are settled by the time they held the model.
/// </summary>
public sealed class TenantTurnsTests
{
    private sealed record Stream(string Tenant, string Id);

    private static List<Stream> Streams(string tenant, int count) =>
        Enumerable.Range(0, count).Select(i => new Stream(tenant, $"{tenant}{i}")).ToList();

    private static List<Stream> Run(TenantTurns turns, List<Stream> ready, int batchSize, int ticks) =>
        Enumerable.Range(0, ticks).SelectMany(_ => turns.Choose(ready, s => s.Tenant, batchSize)).ToList();

    [Fact]
    public void ATenantWithManyStreams_GetsOneTenantsShare_AndItsStreamsTakeTurnsWithinIt()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("hostile", 6).Concat(Streams("working", 1)).ToList();

        var stepped = Run(turns, ready, batchSize: 1, ticks: 12);

        Assert.Equal(6, stepped.Count(s => s.Tenant == "working"));
        // Never two turns in a row for either tenant while both have streams ready.
        Assert.All(stepped.Zip(stepped.Skip(1)), pair => Assert.NotEqual(pair.First.Tenant, pair.Second.Tenant));
        Assert.Equal(Streams("hostile", 6).Select(s => s.Id), stepped.Where(s => s.Tenant == "hostile").Select(s => s.Id));
    }

    [Fact]
    public void ABatch_IsSplitBetweenTenants_BeforeAnyTenantGetsASecondStreamIn()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("a", 5).Concat(Streams("b", 5)).Concat(Streams("c", 1)).ToList();

        var batch = turns.Choose(ready, s => s.Tenant, 4);

        Assert.Equal(4, batch.Count);
        Assert.Equal(4, batch.Distinct().Count());
        Assert.Equal(["a", "b", "c"], batch.Take(3).Select(s => s.Tenant).Order());
    }

    [Fact]
    public void Weights_SetTheTenantsShares()
    {
        var turns = new TenantTurns(new Dictionary<string, double> { ["gold"] = 3 });
        var ready = Streams("gold", 4).Concat(Streams("basic", 4)).ToList();

        var stepped = Run(turns, ready, batchSize: 1, ticks: 40);

        Assert.Equal(30, stepped.Count(s => s.Tenant == "gold"));
        Assert.Equal(10, stepped.Count(s => s.Tenant == "basic"));
    }

    [Fact]
    public void ATenantThatWasIdle_SavesNoTurnsForLater()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var a = Streams("a", 2);
        var b = Streams("b", 2);
        Run(turns, a, batchSize: 1, ticks: 20);

        var stepped = Run(turns, [.. a, .. b], batchSize: 1, ticks: 10);

        // b, back after a's 20 turns alone, shares from now on instead of taking 20 turns in a row.
        Assert.Equal(5, stepped.Count(s => s.Tenant == "b"));
    }

    [Fact]
    public void ATenantWhoseStepsHoldTheModelLonger_GetsFewerTurns_AndTheSameTime()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("heavy", 3).Concat(Streams("light", 1)).ToList();
        var held = new Dictionary<string, TimeSpan> { ["heavy"] = TimeSpan.FromMilliseconds(30), ["light"] = TimeSpan.FromMilliseconds(10) };

        var stepped = new List<Stream>();
        for (var tick = 0; tick < 400; tick++)
        {
            foreach (var stream in turns.Choose(ready, s => s.Tenant, 1))
            {
                stepped.Add(stream);
                turns.Settle(stream.Tenant, held[stream.Tenant]);
            }
        }

        // Counted by turns, each would have 200; by time, the light tenant takes three for the heavy one's one.
        var heavy = stepped.Count(s => s.Tenant == "heavy");
        Assert.InRange(heavy, 95, 110);
        var heavyTime = heavy * held["heavy"];
        var lightTime = (stepped.Count - heavy) * held["light"];
        Assert.InRange(heavyTime / (heavyTime + lightTime), 0.45, 0.55);
    }

    [Fact]
    public void Weights_ShareTheModelsTime_WhenTurnsDifferInLength()
    {
        var turns = new TenantTurns(new Dictionary<string, double> { ["gold"] = 3 });
        var ready = Streams("gold", 2).Concat(Streams("basic", 2)).ToList();
        var held = new Dictionary<string, TimeSpan> { ["gold"] = TimeSpan.FromMilliseconds(20), ["basic"] = TimeSpan.FromMilliseconds(5) };

        var time = new Dictionary<string, TimeSpan> { ["gold"] = TimeSpan.Zero, ["basic"] = TimeSpan.Zero };
        for (var tick = 0; tick < 800; tick++)
        {
            foreach (var stream in turns.Choose(ready, s => s.Tenant, 1))
            {
                time[stream.Tenant] += held[stream.Tenant];
                turns.Settle(stream.Tenant, held[stream.Tenant]);
            }
        }

        Assert.InRange(time["gold"] / (time["gold"] + time["basic"]), 0.72, 0.78);
    }

    [Fact]
    public void AnotherTenantsStreams_JoinABatch_OnlyWhereTheyCostItLittle()
    {
        var ready = Streams("working", 1).Concat(Streams("hostile", 4)).ToList();
        var asked = new List<(int Solo, int Size)>();

        // Where another edit costs the step (a CPU's step grows with its edits): one tenant a batch.
        var dear = new TenantTurns(new Dictionary<string, double>()).Choose(ready, s => s.Tenant, 5, (solo, size) =>
        {
            asked.Add((solo, size));
            return false;
        });
        Assert.Single(dear);
        Assert.Equal([(1, 2)], asked);

        // Where it costs little (a GPU's batched step): the whole batch, both tenants in it.
        var cheap = new TenantTurns(new Dictionary<string, double>()).Choose(ready, s => s.Tenant, 5, (_, _) => true);
        Assert.Equal(5, cheap.Count);

        // A tenant alone fills the batch: no other tenant's step waits for it.
        var alone = new TenantTurns(new Dictionary<string, double>()).Choose(Streams("hostile", 4), s => s.Tenant, 4, (_, _) => false);
        Assert.Equal(4, alone.Count);
    }

    [Fact]
    public void WhereSharedBatchesCostTooMuch_TenantsTakeTurnsByBatch_AndAManyStreamTenantsStreamsTakeTurnsInItsOwn()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("working", 1).Concat(Streams("hostile", 3)).ToList();

        var batches = Enumerable.Range(0, 12).Select(_ => turns.Choose(ready, s => s.Tenant, 4, (_, _) => false)).ToList();

        // Counted by turns, each a place: the working tenant's one stream alternates with a hostile one.
        Assert.All(batches, batch => Assert.Single(batch));
        Assert.Equal(6, batches.Count(b => b[0].Tenant == "working"));
        Assert.Equal(Enumerable.Range(0, 2).SelectMany(_ => Streams("hostile", 3)).Select(s => s.Id),
            batches.SelectMany(b => b).Where(s => s.Tenant == "hostile").Select(s => s.Id));
    }

    [Fact]
    public void TimeBilledBesideTheSteps_CountsAgainstTheTenantsShare()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("commanding", 1).Concat(Streams("quiet", 1)).ToList();
        var step = TimeSpan.FromMilliseconds(10);

        var stepped = new List<Stream>();
        for (var tick = 0; tick < 300; tick++)
        {
            // The commanding tenant's stream costs the loop half a step's time in commands every tick.
            turns.Bill("commanding", step / 2);
            foreach (var stream in turns.Choose(ready, s => s.Tenant, 1))
            {
                stepped.Add(stream);
                turns.Settle(stream.Tenant, step);
            }
        }

        // Its commands come out of its share: its steps and commands together take as long as the
        // quiet tenant's steps, a quarter and three quarters of the ticks (half and half, uncharged).
        var commanding = stepped.Skip(50).Count(s => s.Tenant == "commanding");
        var quiet = stepped.Skip(50).Count(s => s.Tenant == "quiet");
        Assert.InRange(quiet / (double)commanding, 2.5, 3.5);
    }

    [Fact]
    public void ABillThatMeasuredAStall_CountsAtMostTwoTurns()
    {
        var passes = new TenantPasses(new Dictionary<string, double>());
        passes.Charge("billed");
        passes.Settle("billed", TimeSpan.FromMilliseconds(10));
        var before = passes.PassOf("billed");

        // A command whose render was caught by a 3 s stall: 300 mean turns measured, 2 charged.
        passes.Bill("billed", TimeSpan.FromSeconds(3));
        Assert.Equal(TenantPasses.MaxBilledTurns, passes.PassOf("billed") - before, 1e-9);

        // An ordinary bill counts what it took: half a turn.
        passes.Bill("billed", TimeSpan.FromMilliseconds(5));
        Assert.Equal(TenantPasses.MaxBilledTurns + 0.5, passes.PassOf("billed") - before, 1e-9);
    }

    [Fact]
    public void OneStream_IsNeverTwiceInABatch()
    {
        var turns = new TenantTurns(new Dictionary<string, double>());
        var ready = Streams("a", 2);

        Assert.Equal(2, turns.Choose(ready, s => s.Tenant, 8).Count);
    }
}
