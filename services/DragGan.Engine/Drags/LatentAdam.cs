using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>
/// Adam on one edit's latent, with the update written out as <c>torch.optim.Adam</c> computes it
/// (bias-corrected, eps added after the square root), so that each edit in a batch keeps its own
/// moments, step count and learning rate.
/// </summary>
internal sealed class LatentAdam : IDisposable
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private Tensor _firstMoment;
    private Tensor _secondMoment;

    public LatentAdam(Tensor like)
    {
        _firstMoment = torch.zeros_like(like).DetachFromDisposeScope();
        _secondMoment = torch.zeros_like(like).DetachFromDisposeScope();
    }

    public int Steps { get; private set; }

    public void Step(Tensor parameter, Tensor gradient, double learningRate)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        Steps++;
        _firstMoment.mul_(Beta1).add_(gradient, alpha: 1 - Beta1);
        _secondMoment.mul_(Beta2).addcmul_(gradient, gradient, value: 1 - Beta2);
        var biasCorrection1 = 1 - Math.Pow(Beta1, Steps);
        var biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        var denominator = _secondMoment.sqrt().div(biasCorrection2Sqrt).add_(Epsilon);
        parameter.addcdiv_(_firstMoment, denominator, value: -learningRate / biasCorrection1);
    }

    public AdamSnapshot Snapshot() =>
        new(_firstMoment.data<float>().ToArray(), _secondMoment.data<float>().ToArray(), Steps);

    /// <summary>Takes <paramref name="snapshot"/>'s moments; <paramref name="input"/> names it in errors.</summary>
    public void Restore(AdamSnapshot snapshot, string input)
    {
        if (snapshot.FirstMoment.Length != _firstMoment.numel() || snapshot.SecondMoment.Length != _secondMoment.numel())
            throw new DragInputException(input, "moments do not match the latent's size.");
        if (snapshot.Steps < 0)
            throw new DragInputException($"{input}.{nameof(snapshot.Steps)}", "must be >= 0.");
        // Moments that are not finite (or a negative second moment, whose square root is NaN)
        // would turn the latent into NaN at the first update.
        if (Array.FindIndex(snapshot.FirstMoment, v => !float.IsFinite(v)) is var first and >= 0)
            throw new DragInputException($"{input}.{nameof(snapshot.FirstMoment)}", $"must be finite; value {first} is {snapshot.FirstMoment[first]}.");
        if (Array.FindIndex(snapshot.SecondMoment, v => !float.IsFinite(v) || v < 0) is var second and >= 0)
            throw new DragInputException($"{input}.{nameof(snapshot.SecondMoment)}", $"must be finite and >= 0; value {second} is {snapshot.SecondMoment[second]}.");
        using var noGrad = torch.no_grad();
        Replace(ref _firstMoment, snapshot.FirstMoment);
        Replace(ref _secondMoment, snapshot.SecondMoment);
        Steps = snapshot.Steps;
    }

    /// <summary>A copy of the moments and step count, for <see cref="Load"/> to put back.</summary>
    internal (Tensor FirstMoment, Tensor SecondMoment, int Steps) Save() =>
        (_firstMoment.detach().clone().DetachFromDisposeScope(), _secondMoment.detach().clone().DetachFromDisposeScope(), Steps);

    internal void Load((Tensor FirstMoment, Tensor SecondMoment, int Steps) saved)
    {
        using var noGrad = torch.no_grad();
        _firstMoment.copy_(saved.FirstMoment);
        _secondMoment.copy_(saved.SecondMoment);
        Steps = saved.Steps;
    }

    public void Reset()
    {
        using var noGrad = torch.no_grad();
        _firstMoment.zero_();
        _secondMoment.zero_();
        Steps = 0;
    }

    private static void Replace(ref Tensor moment, float[] values)
    {
        var replacement = torch.tensor(values, moment.shape, device: moment.device).DetachFromDisposeScope();
        moment.Dispose();
        moment = replacement;
    }

    public void Dispose()
    {
        _firstMoment.Dispose();
        _secondMoment.Dispose();
    }
}

/// <summary>Adam's moments and step count, flattened, for resuming an edit elsewhere.</summary>
public sealed record AdamSnapshot(float[] FirstMoment, float[] SecondMoment, int Steps);
