using DragGan.Engine.Networks;
using DragGan.Engine.Tuning;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Drags;

/// <summary>
/// The state of one DragGAN edit (Pan et al. 2023): w0, the optimised latent rows with their Adam
/// state, F0, the handles with their tracked features, targets, the optional fixed-region mask and
/// parameters. Steps are taken by <see cref="DragStepper"/>, alone or batched with other edits of the
/// same generator. Not thread-safe: one scheduler owns an edit at a time.
/// </summary>
public sealed class DragEdit : IDisposable
{
    private const double DirectionEpsilon = 1e-7;
    private const int ReferenceResolution = 512;

    /// <summary>The scaled radii at 256 px, kept as floors below it; at 256 px and above the scaling alone decides.</summary>
    internal const double MinimumMotionRadius = 2;

    internal const double MinimumTrackingRadius = 6;

    private readonly List<DragHandle> _handles = [];
    private readonly Tensor _initialLatent;  // [num_ws, w_dim]
    private readonly Tensor _optimized;      // [rows, w_dim] (w+) or [1, w_dim] (w)
    private readonly LatentAdam _adam;
    private readonly DragLimits _limits;

    /// <summary>The name of <see cref="Start"/>'s points, which later point changes address.</summary>
    private const string Points = "points";
    private Tensor? _f0;                     // [1, C, r, r]: the first step's features
    private Tensor? _fixedRegion;            // [1, 1, H, W], 1 = fixed
    private Tensor[]? _convWeightDeltas;     // per synthesis convolution [O, I, k, k], from WeightDelta
    private bool[]? _fixedRegionMask;

    private DragEdit(ImageGenerator generator, Tensor initialLatent, DragParameters parameters, string parametersInput, DragLimits limits)
    {
        Generator = generator;
        Parameters = DragValidation.Parameters(parameters, generator, parametersInput);
        _limits = limits;
        _initialLatent = initialLatent.DetachFromDisposeScope();
        using (NewDisposeScope())
            _optimized = OptimizedRowsOf(_initialLatent).clone().DetachFromDisposeScope();
        _adam = new LatentAdam(_optimized);
    }

    public ImageGenerator Generator { get; }

    /// <summary>The side of the square frame points and masks are given in.</summary>
    public int Resolution => Generator.Resolution;

    /// <summary>The side of the feature map the edit tracks (<see cref="ImageGenerator.DragFeatureResolution"/>).</summary>
    public int FeatureResolution => Generator.DragFeatureResolution;

    public DragParameters Parameters { get; private set; }

    /// <summary>
    /// The photo's pivotal-tuning delta the edit renders with (the tuned generator: shared weights
    /// plus this), or null for the generator as it is. Fixed for the life of the edit.
    /// </summary>
    public WeightDelta? WeightDelta { get; private set; }

    /// <summary><see cref="WeightDelta"/> as one weight change per synthesis convolution, on the generator's device.</summary>
    internal IReadOnlyList<Tensor>? ConvWeightDeltas => _convWeightDeltas;

    /// <summary>Bounds on what this edit may ask for (the number of points).</summary>
    public DragLimits Limits => _limits;

    public int Step { get; private set; }

    /// <summary>A paused edit keeps its state and is refused by <see cref="DragStepper"/> until unpaused.</summary>
    public bool Paused { get; set; }

    public bool Converged { get; private set; }

    public bool StepLimitReached => Step >= Parameters.MaxSteps;

    public bool Finished => Converged || StepLimitReached;

    public IReadOnlyList<PixelPoint> Handles => _handles.Select(h => h.Position).ToArray();

    public IReadOnlyList<PixelPoint> Targets => _handles.Select(h => h.Target).ToArray();

    /// <summary>Each handle's distance to its target, pixels.</summary>
    public IReadOnlyList<double> Distances => _handles.Select(h => h.DistanceToTarget).ToArray();

    /// <summary>
    /// r1: the reference's 3 px at 512 scaled with the image, but at least <see cref="MinimumMotionRadius"/>
    /// (at 128 px the scaled value rounds to 1, a disk of one pixel, too little to pull a feature).
    /// </summary>
    internal double MotionRadius => Parameters.MotionRadius ?? Math.Max(Math.Round(3.0 * Resolution / ReferenceResolution, MidpointRounding.ToEven), MinimumMotionRadius);

    /// <summary>r2: the reference's 12 px at 512 scaled with the image, but at least <see cref="MinimumTrackingRadius"/>.</summary>
    internal int TrackingRadius => (int)Math.Round(Parameters.TrackingRadius ?? Math.Max(12.0 * Resolution / ReferenceResolution, MinimumTrackingRadius), MidpointRounding.ToEven);

    internal double StopDistance => Parameters.StopDistance ?? Math.Max(2.0 * Resolution / ReferenceResolution, 2);

    /// <summary>Starts an edit from w0 ([num_ws, w_dim] or [1, num_ws, w_dim]).</summary>
    public static DragEdit Start(
        ImageGenerator generator,
        Tensor initialLatent,
        IReadOnlyList<(PixelPoint Handle, PixelPoint Target)> points,
        bool[]? fixedRegion = null,
        DragParameters? parameters = null,
        DragLimits? limits = null,
        WeightDelta? weightDelta = null)
    {
        limits ??= DragLimits.Default;
        DragValidation.PointCount(points.Count, limits, nameof(points), allowEmpty: false);
        for (var i = 0; i < points.Count; i++)
        {
            DragValidation.Point(points[i].Handle, generator.Resolution, $"{nameof(points)}[{i}].Handle");
            DragValidation.Point(points[i].Target, generator.Resolution, $"{nameof(points)}[{i}].Target");
        }
        var latent = DragValidation.Latent(initialLatent, generator, nameof(initialLatent));
        var edit = new DragEdit(generator, latent, parameters ?? new DragParameters(), nameof(parameters), limits);
        try
        {
            edit.UseWeightDelta(weightDelta, nameof(weightDelta));
            edit.SetFixedRegion(fixedRegion, nameof(fixedRegion));
            foreach (var (handle, target) in points)
                edit._handles.Add(new DragHandle(handle, target));
            return edit;
        }
        catch
        {
            edit.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Continues an edit from a snapshot taken on this or another replica; an edit of a tuned photo
    /// needs its <paramref name="weightDelta"/> again (it travels beside the snapshot, not in it).
    /// </summary>
    public static DragEdit Resume(ImageGenerator generator, DragEditState state, DragLimits? limits = null, WeightDelta? weightDelta = null)
    {
        limits ??= DragLimits.Default;
        const string State = nameof(state);
        if (state.NumWs != generator.NumWs || state.WDim != generator.WDim)
            throw new DragInputException($"{State}.{nameof(state.Latent)}",
                $"is [{state.NumWs}, {state.WDim}] but the model needs [{generator.NumWs}, {generator.WDim}].");
        DragValidation.PointCount(state.Handles.Count, limits, $"{State}.{nameof(state.Handles)}", allowEmpty: true);
        if (state.Step < 0)
            throw new DragInputException($"{State}.{nameof(state.Step)}", "must be >= 0.");

        DragValidation.LatentLength(state.InitialLatent, generator, $"{State}.{nameof(state.InitialLatent)}");
        DragValidation.LatentLength(state.Latent, generator, $"{State}.{nameof(state.Latent)}");
        using var raw = torch.tensor(state.InitialLatent, [state.NumWs, state.WDim]);
        var edit = new DragEdit(generator, DragValidation.Latent(raw, generator, $"{State}.{nameof(state.InitialLatent)}"),
            state.Parameters, $"{State}.{nameof(state.Parameters)}", limits);
        try
        {
            using (NewDisposeScope())
            {
                var current = DragValidation.Latent(torch.tensor(state.Latent, [state.NumWs, state.WDim]), generator, $"{State}.{nameof(state.Latent)}");
                edit._optimized.copy_(edit.OptimizedRowsOf(current));
            }
            if (state.Adam is { } adam)
                edit._adam.Restore(adam, $"{State}.{nameof(state.Adam)}");
            edit.UseWeightDelta(weightDelta, nameof(weightDelta));
            edit.SetFixedRegion(state.FixedRegion, $"{State}.{nameof(state.FixedRegion)}");
            edit.Step = state.Step;
            for (var i = 0; i < state.Handles.Count; i++)
                edit._handles.Add(edit.RestoreHandle(state.Handles[i], generator.Resolution, $"{State}.{nameof(state.Handles)}[{i}]"));
            edit.ComputeInitialFeatures();
            return edit;
        }
        catch
        {
            edit.Dispose();
            throw;
        }
    }

    public DragEditState Snapshot() => new()
    {
        NumWs = Generator.NumWs,
        WDim = Generator.WDim,
        InitialLatent = _initialLatent.cpu().data<float>().ToArray(),
        Latent = CurrentLatentValues(),
        Handles = _handles.Select(h => new DragHandleState(h.Position, h.Target)
        {
            Origin = new PixelPoint(h.OriginCol, h.OriginRow),
            ReferenceFeature = h.Reference?.cpu().data<float>().ToArray(),
        }).ToArray(),
        FixedRegion = _fixedRegionMask?.ToArray(),
        Parameters = Parameters,
        Step = Step,
        Adam = _adam.Snapshot(),
    };

    /// <summary>The current w+ [1, num_ws, w_dim], detached.</summary>
    public Tensor CurrentLatent()
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        return ComposeLatent(_optimized).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The image of the current latent with constant noise, drawn as the edit's frames are: with its
    /// <see cref="WeightDelta"/>, when it has one.
    /// </summary>
    public Imaging.RgbImage RenderCurrent()
    {
        using var latent = CurrentLatent();
        return Generator.Render(latent, convWeightDeltas: _convWeightDeltas);
    }

    public void AddPoint(PixelPoint handle, PixelPoint target)
    {
        DragValidation.PointCount(_handles.Count + 1, _limits, Points, allowEmpty: false);
        DragValidation.Point(handle, Resolution, $"{Points}[{_handles.Count}].Handle");
        DragValidation.Point(target, Resolution, $"{Points}[{_handles.Count}].Target");
        _handles.Add(new DragHandle(handle, target));
        Converged = false;
    }

    public void RemovePoint(int index)
    {
        var handle = HandleAt(index);
        _handles.RemoveAt(index);
        handle.Dispose();
    }

    /// <summary>Places a handle elsewhere; it tracks the feature found there from the next step on.</summary>
    public void MoveHandle(int index, PixelPoint handle)
    {
        DragValidation.Point(handle, Resolution, $"{Points}[{index}].Handle");
        HandleAt(index).MoveTo(handle);
        Converged = false;
    }

    public void MoveTarget(int index, PixelPoint target)
    {
        DragValidation.Point(target, Resolution, $"{Points}[{index}].Target");
        HandleAt(index).Target = target;
        Converged = false;
    }

    /// <summary>Sets the region whose features stay at F0 (true = fixed), or clears it with null.</summary>
    public void SetFixedRegion(bool[]? fixedRegion) => SetFixedRegion(fixedRegion, nameof(fixedRegion));

    private void SetFixedRegion(bool[]? fixedRegion, string input)
    {
        if (fixedRegion is not null && fixedRegion.Length != Resolution * Resolution)
            throw new DragInputException(input, $"must have {Resolution}x{Resolution} = {Resolution * Resolution} values, got {fixedRegion.Length}.");
        _fixedRegion?.Dispose();
        _fixedRegion = null;
        _fixedRegionMask = fixedRegion?.ToArray();
        // As the reference: a mask that is all fixed or all free has no effect.
        if (fixedRegion is not null && fixedRegion.Contains(true) && fixedRegion.Contains(false))
        {
            var values = fixedRegion.Select(v => v ? 1f : 0f).ToArray();
            _fixedRegion = torch.tensor(values, [1, 1, Resolution, Resolution], device: Generator.Device).DetachFromDisposeScope();
        }
    }

    /// <summary>Changes lambda, learning rate, radii, limits mid-edit; Adam's moments are kept.</summary>
    public void SetParameters(DragParameters parameters)
    {
        Parameters = CheckParameters(parameters);
        Converged = false;
    }

    /// <summary>
    /// Checks that <see cref="SetParameters"/> would accept <paramref name="parameters"/>, without
    /// applying them, so that a caller can validate a whole update before changing anything.
    /// </summary>
    public DragParameters CheckParameters(DragParameters parameters)
    {
        var validated = DragValidation.Parameters(parameters, Generator, nameof(parameters));
        if (validated.Space != Parameters.Space || validated.OptimizedLayers != Parameters.OptimizedLayers)
            throw new DragInputException($"{nameof(parameters)}.{nameof(parameters.Space)}",
                "cannot change: the latent space and optimised layers are fixed for the life of an edit.");
        return validated;
    }

    /// <summary>The parameters with every resolution-scaled default filled in, as the steps use them.</summary>
    public DragParameters ResolvedParameters => Parameters with
    {
        MotionRadius = MotionRadius,
        TrackingRadius = TrackingRadius,
        StopDistance = StopDistance,
    };

    /// <summary>Back to w0: the latent, Adam and the handles return to where the edit started.</summary>
    public void Reset()
    {
        using (torch.no_grad())
        using (NewDisposeScope())
            _optimized.copy_(OptimizedRowsOf(_initialLatent));
        _adam.Reset();
        foreach (var handle in _handles)
            handle.ReturnToOrigin();
        Step = 0;
        Converged = false;
    }

    /// <summary>The rows of a [num_ws, w_dim] latent this edit optimises: all of them (w+), or the first (w).</summary>
    private Tensor OptimizedRowsOf(Tensor latent)
    {
        var rows = latent.narrow(0, 0, Parameters.OptimizedLayers);
        return Parameters.Space == LatentSpace.WPlus ? rows : rows.narrow(0, 0, 1);
    }

    /// <summary>What a step is about to change, to put back with <see cref="StepUndo.Restore"/> when the step fails.</summary>
    internal StepUndo BeginStep() => new(this);

    /// <summary>A fresh leaf holding the optimised rows, for one step's forward and backward.</summary>
    internal Tensor CreateLeaf() => _optimized.detach().clone().requires_grad_(true);

    /// <summary>w+ for the generator, [1, num_ws, w_dim]: the optimised rows, then w0's remaining rows.</summary>
    internal Tensor ComposeLatent(Tensor leaf)
    {
        var rows = Parameters.OptimizedLayers;
        var head = Parameters.Space == LatentSpace.WPlus ? leaf : leaf.expand(rows, -1);
        var tail = _initialLatent.narrow(0, rows, Generator.NumWs - rows);
        return torch.cat([head, tail], 0).unsqueeze(0);
    }

    /// <summary>
    /// Point tracking, then motion supervision on the same forward's features, as the reference's
    /// step (viz/renderer.py): the drag feature [1, C, r, r] at the current latent.
    /// Returns the loss to back-propagate, or null when every handle is within the stop distance
    /// (converged) or no term applies this step.
    /// </summary>
    internal Tensor? Supervise(Tensor features, Tensor latent)
    {
        Step++;
        var map = new ResizedFeatureMap(features, Resolution);
        if (_f0 is null)
            _f0 = features.detach().clone().DetachFromDisposeScope();
        foreach (var handle in _handles.Where(h => h.Reference is null))
            handle.TakeReference(map);

        PointTracker.Track(map, _handles, TrackingRadius);

        Converged = _handles.All(h => h.DistanceToTarget <= StopDistance);
        if (Converged)
            return null;

        // As the reference, handles within 1 px of their targets are not pulled; with a stop
        // distance below that and no other term there may be nothing to optimise this step.
        Tensor? loss = null;
        foreach (var handle in _handles)
        {
            var distance = handle.DistanceToTarget;
            if (distance <= 1)
                continue;
            var motion = MotionLoss(map, handle, distance);
            loss = loss is null ? motion : loss.add(motion);
        }
        if (_fixedRegion is not null && Parameters.MaskWeight > 0)
        {
            // l1(F * m, F0 * m) of the resized maps = mean(|resize(F - F0)| * m): resizing is linear.
            var change = F.interpolate(features.sub(_f0), [Resolution, Resolution], mode: InterpolationMode.Bilinear, align_corners: false);
            var fixedLoss = change.abs().mul(_fixedRegion).mean().mul(Parameters.MaskWeight);
            loss = loss is null ? fixedLoss : loss.add(fixedLoss);
        }
        if (loss is not null && Parameters.LatentRegularization > 0)
            loss = loss.add(F.l1_loss(latent.squeeze(0), _initialLatent).mul(Parameters.LatentRegularization));
        return loss;
    }

    /// <summary>
    /// Paper Eq. 1: L1 between the (detached) features of the disk around the handle and the
    /// features one unit step toward the target, sampled bilinearly (align_corners=true).
    /// </summary>
    private Tensor MotionLoss(ResizedFeatureMap map, DragHandle handle, double distance)
    {
        var (rows, cols) = MotionDisk.Around(handle.Row, handle.Col, MotionRadius, Resolution, Parameters.ReferencePixelGrid);
        var ux = (float)((handle.Target.X - handle.Col) / (distance + DirectionEpsilon));
        var uy = (float)((handle.Target.Y - handle.Row) / (distance + DirectionEpsilon));
        var rowTensor = torch.tensor(rows, device: map.LowResolution.device);
        var colTensor = torch.tensor(cols, device: map.LowResolution.device);
        var reference = Parameters.Supervision == MotionSupervision.ConfidenceGated && TrackingConfidence(map, handle) < Parameters.ConfidenceThreshold
            ? TemplateDisk(rowTensor, colTensor, handle)
            : map.AtPixels(rowTensor, colTensor).detach();
        var shifted = map.Bilinear(rowTensor.to(ScalarType.Float32).add(uy), colTensor.to(ScalarType.Float32).add(ux));
        return F.l1_loss(reference, shifted);
    }

    /// <summary>Cosine similarity between the feature at the handle's tracked pixel and the feature it tracks.</summary>
    private static double TrackingConfidence(ResizedFeatureMap map, DragHandle handle)
    {
        using var noGrad = torch.no_grad();
        var tracked = map.AtPixels(torch.tensor(new long[] { handle.Row }), torch.tensor(new long[] { handle.Col })).squeeze(1);
        return F.cosine_similarity(tracked, handle.Reference!.to(tracked.device), dim: 0).item<float>();
    }

    /// <summary>The first step's features of the disk, moved from the handle to its origin: what the handle looked like.</summary>
    private Tensor TemplateDisk(Tensor rows, Tensor cols, DragHandle handle)
    {
        var initial = new ResizedFeatureMap(_f0!, Resolution);
        var originRows = rows.add(handle.OriginRow - handle.Row).clamp(0, Resolution - 1);
        var originCols = cols.add(handle.OriginCol - handle.Col).clamp(0, Resolution - 1);
        return initial.AtPixels(originRows, originCols).detach();
    }

    /// <summary>Adam on the optimised rows with the gradient of this step's leaf.</summary>
    internal void ApplyGradient(Tensor gradient) => _adam.Step(_optimized, gradient, Parameters.LearningRate);

    private void ComputeInitialFeatures()
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var result = Generator.Synthesize(_initialLatent.unsqueeze(0), new SynthesisOptions
        {
            NoiseMode = NoiseMode.Const,
            RenderImage = false,
            DragFeature = true,
            ConvWeightDeltas = _convWeightDeltas,
        });
        var features = result.DragFeature!;
        _f0 = features.clone().DetachFromDisposeScope();
        var map = new ResizedFeatureMap(features, Resolution);
        foreach (var handle in _handles.Where(h => h.Reference is null))
            handle.TakeReference(map);
    }

    private void UseWeightDelta(WeightDelta? weightDelta, string input)
    {
        if (weightDelta is null)
            return;
        if (!weightDelta.Layers.Select(l => l.Shape).SequenceEqual(Generator.ConvLayers))
            throw new DragInputException(input, $"(model '{weightDelta.ModelId}') does not fit this generator's {Generator.ConvLayers.Count} synthesis convolutions.");
        WeightDelta = weightDelta;
        _convWeightDeltas = weightDelta.ToConvWeightDeltas(Generator.Device);
        foreach (var delta in _convWeightDeltas)
            delta.DetachFromDisposeScope();
    }

    private DragHandle RestoreHandle(DragHandleState state, int resolution, string input)
    {
        DragValidation.Point(state.Handle, resolution, $"{input}.{nameof(state.Handle)}");
        DragValidation.Point(state.Target, resolution, $"{input}.{nameof(state.Target)}");
        var origin = state.Origin ?? state.Handle;
        DragValidation.Point(origin, resolution, $"{input}.{nameof(state.Origin)}");
        var handle = new DragHandle(state.Handle, state.Target);
        handle.RestoreOrigin(origin);
        if (state.ReferenceFeature is { } feature)
        {
            var channels = Generator.DragFeatureChannels;
            if (feature.Length != channels || feature.Any(v => !float.IsFinite(v)))
            {
                handle.Dispose();
                throw new DragInputException($"{input}.{nameof(state.ReferenceFeature)}", $"must be {channels} finite values.");
            }
            using var scope = NewDisposeScope();
            handle.SetReference(torch.tensor(feature, device: Generator.Device));
        }
        return handle;
    }

    private float[] CurrentLatentValues()
    {
        using var latent = CurrentLatent();
        return latent.cpu().data<float>().ToArray();
    }

    private DragHandle HandleAt(int index) =>
        index >= 0 && index < _handles.Count
            ? _handles[index]
            : throw new ArgumentOutOfRangeException("index", $"Point index {index} is out of range; the edit has {_handles.Count} points.");

    /// <summary>
    /// The part of an edit one step changes: the step count, convergence, tracked positions, the
    /// features taken at the first forward, the optimised rows and Adam's state.
    /// </summary>
    internal sealed class StepUndo : IDisposable
    {
        private readonly DragEdit _edit;
        private readonly int _step;
        private readonly bool _converged;
        private readonly (int Row, int Col)[] _positions;
        private readonly DragHandle[] _withoutReference;
        private readonly bool _withoutF0;
        private readonly Tensor _optimized;
        private readonly (Tensor FirstMoment, Tensor SecondMoment, int Steps) _adam;

        public StepUndo(DragEdit edit)
        {
            _edit = edit;
            _step = edit.Step;
            _converged = edit.Converged;
            _positions = edit._handles.Select(h => (h.Row, h.Col)).ToArray();
            _withoutReference = edit._handles.Where(h => h.Reference is null).ToArray();
            _withoutF0 = edit._f0 is null;
            _optimized = edit._optimized.detach().clone().DetachFromDisposeScope();
            _adam = edit._adam.Save();
        }

        public void Restore()
        {
            _edit.Step = _step;
            _edit.Converged = _converged;
            for (var i = 0; i < _positions.Length; i++)
                (_edit._handles[i].Row, _edit._handles[i].Col) = _positions[i];
            foreach (var handle in _withoutReference)
                handle.ForgetReference();
            if (_withoutF0)
            {
                _edit._f0?.Dispose();
                _edit._f0 = null;
            }
            using (torch.no_grad())
                _edit._optimized.copy_(_optimized);
            _edit._adam.Load(_adam);
        }

        public void Dispose()
        {
            _optimized.Dispose();
            _adam.FirstMoment.Dispose();
            _adam.SecondMoment.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var handle in _handles)
            handle.Dispose();
        _initialLatent.Dispose();
        _optimized.Dispose();
        _adam.Dispose();
        _f0?.Dispose();
        _fixedRegion?.Dispose();
        foreach (var delta in _convWeightDeltas ?? [])
            delta.Dispose();
    }
}
