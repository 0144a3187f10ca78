using DragGan.Engine.Networks;
using DragGan.Engine.Tuning;
using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>
/// Steps DragGAN edits of one generator together: one batched forward to the drag feature (to the image
/// only when a frame is wanted), per-edit point tracking and motion supervision, one backward of
/// the summed losses (edits share no parameters, so each latent gets exactly its own gradient), and
/// a per-edit Adam update. Stepping edits together gives the same results as stepping each alone.
/// </summary>
public sealed class DragStepper(ImageGenerator generator)
{
    public ImageGenerator Generator { get; } = generator;

    /// <summary>
    /// Fused (grouped) modulated convolutions; null shares the weights and scales the activations
    /// instead. Both compute the reference's function (the fixture's 40-step trajectories still
    /// match exactly), and the shared form was faster on CPU for one edit and for batches
    /// (bench/README.md).
    /// </summary>
    public bool? FusedModulation { get; init; }

    /// <summary>
    /// Keep every block in fp32 on CUDA too, instead of fp16 for the top resolutions as the reference
    /// runs them: for comparing CUDA steps with float32 reference outputs.
    /// </summary>
    public bool ForceFp32 { get; init; }

    /// <summary>
    /// The most bytes one activation of a batched forward may take (fp32 features of the largest
    /// block the step runs, times the edits in it); larger batches are stepped in chunks that fit.
    /// Null: no bound. The default bounds CPU steps to 32 MiB: larger element-wise ops are memory
    /// bound and cost more per edit (bench/README.md), and glibc maps larger blocks one by one from
    /// the threads' arenas however it is tuned (<see cref="Native.GlibcHeapTuning"/>). On a GPU large
    /// batches are what fills the device, and the service's scheduler picks their size by measurement.
    /// </summary>
    public long? ActivationBudgetBytes { get; init; } = generator.Device.type == DeviceType.CPU ? 32L << 20 : null;

    /// <summary>How many edits one forward takes under <see cref="ActivationBudgetBytes"/>.</summary>
    public int EditsPerForward(bool renderImage)
    {
        var bytesPerEdit = Generator.ActivationBytesPerSample(renderImage);
        return ActivationBudgetBytes is { } budget ? (int)Math.Clamp(budget / bytesPerEdit, 1, int.MaxValue) : int.MaxValue;
    }

    /// <summary>
    /// One step of each edit. <paramref name="renderFrames"/>[i] asks for edit i's image. When the
    /// step fails (<see cref="DragDivergedException"/> names the edits whose loss or gradient is
    /// not finite), no edit has changed.
    /// </summary>
    public IReadOnlyList<DragStepResult> Step(IReadOnlyList<DragEdit> edits, IReadOnlyList<bool>? renderFrames = null)
    {
        ArgumentNullException.ThrowIfNull(edits);
        if (edits.Count == 0)
            return [];
        if (renderFrames is not null && renderFrames.Count != edits.Count)
            throw new ArgumentException("One render flag per edit is required.", nameof(renderFrames));
        if (edits.Any(e => !ReferenceEquals(e.Generator, Generator)))
            throw new ArgumentException("Every edit must belong to this stepper's generator.", nameof(edits));
        if (edits.Any(e => e.Paused))
            throw new ArgumentException("A paused edit cannot be stepped; unpause it first.", nameof(edits));
        if (edits.Distinct().Count() != edits.Count)
            throw new ArgumentException("An edit appears twice in one batch.", nameof(edits));

        // A failed step leaves every edit as it was, so that a caller can step the others again.
        var undo = edits.Select(e => e.BeginStep()).ToArray();
        var results = new List<DragStepResult>(edits.Count);
        try
        {
            // Edits share no parameters, so chunks give each edit exactly the step the whole batch would.
            var chunk = EditsPerForward(renderFrames?.Any(wanted => wanted) ?? false);
            for (var start = 0; start < edits.Count; start += chunk)
            {
                var count = Math.Min(chunk, edits.Count - start);
                try
                {
                    results.AddRange(StepTogether(edits.Skip(start).Take(count).ToArray(), renderFrames?.Skip(start).Take(count).ToArray()));
                }
                catch (DragDivergedException e) when (start > 0)
                {
                    throw new DragDivergedException(e.EditIndices.Select(i => i + start).ToArray());
                }
            }
            return results;
        }
        catch
        {
            foreach (var result in results)
                result.Dispose();
            foreach (var edit in undo)
                edit.Restore();
            throw;
        }
        finally
        {
            foreach (var edit in undo)
                edit.Dispose();
        }
    }

    private DragStepResult[] StepTogether(IReadOnlyList<DragEdit> edits, IReadOnlyList<bool>? renderFrames)
    {
        using var scope = NewDisposeScope();
        var leaves = edits.Select(e => e.CreateLeaf()).ToArray();
        var latents = edits.Select((e, i) => e.ComposeLatent(leaves[i])).ToArray();
        var render = renderFrames?.Any(wanted => wanted) ?? false;

        using var synthesis = Generator.Synthesize(torch.cat(latents, 0), new SynthesisOptions
        {
            NoiseMode = NoiseMode.Const,
            RenderImage = render,
            DragFeature = true,
            FusedModulation = FusedModulation ?? false,
            ForceFp32 = ForceFp32,
            // Edits of tuned photos render with their own deltas beside the shared weights;
            // a batch where no edit has one runs exactly as without deltas.
            ConvWeightDeltas = WeightDelta.Stack(edits.Select(e => e.ConvWeightDeltas).ToArray(), Generator),
        });
        var features = synthesis.DragFeature!;

        // split, not narrow: the backward of N narrows would build N zero-filled gradients of the
        // whole batch's features (quadratic in N); split's backward assembles one.
        var perEdit = features.split(1, 0);
        var losses = new Tensor?[edits.Count];
        for (var i = 0; i < edits.Count; i++)
            losses[i] = edits[i].Supervise(perEdit[i], latents[i]);

        var active = losses.Where(loss => loss is not null).Select(loss => loss!).ToArray();
        if (active.Length > 0)
            torch.stack(active).sum().backward();

        // One host sync for every edit's loss and whether its gradient is finite, before any update.
        var device = features.device;
        var lossTensor = torch.stack(losses.Select(loss => loss?.detach() ?? torch.zeros([], device: device)).ToArray());
        var gradientsFinite = torch.stack(losses.Select((loss, i) => loss is null
            ? torch.ones([], device: device)
            : leaves[i].grad!.isfinite().all().to(ScalarType.Float32)).ToArray());
        var checks = torch.cat(new[] { lossTensor, gradientsFinite }, 0).cpu().data<float>().ToArray();
        var lossValues = checks[..edits.Count];
        var diverged = Enumerable.Range(0, edits.Count).Where(i => !float.IsFinite(lossValues[i]) || checks[edits.Count + i] == 0).ToArray();
        if (diverged.Length > 0)
            throw new DragDivergedException(diverged);
        for (var i = 0; i < edits.Count; i++)
        {
            if (losses[i] is not null)
                edits[i].ApplyGradient(leaves[i].grad!);
        }

        var results = new DragStepResult[edits.Count];
        for (var i = 0; i < edits.Count; i++)
        {
            var edit = edits[i];
            var wantsFrame = renderFrames?[i] ?? false;
            results[i] = new DragStepResult
            {
                Step = edit.Step,
                Handles = edit.Handles,
                Targets = edit.Targets,
                Distances = edit.Distances,
                Loss = lossValues[i],
                Converged = edit.Converged,
                StepLimitReached = !edit.Converged && edit.StepLimitReached,
                Image = wantsFrame ? synthesis.Image!.narrow(0, i, 1).squeeze(0).detach().clone().MoveToOuterDisposeScope() : null,
            };
        }
        return results;
    }
}
