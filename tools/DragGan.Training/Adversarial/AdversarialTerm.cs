using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Adversarial;

/// <summary>
/// The adversarial part of the generator's loss, with the discriminator it needs kept beside it:
/// StyleGAN2-ADA's non-saturating logistic loss (<c>training/loss.py</c>, StyleGAN2Loss) with lazy
/// R1 regularisation of the discriminator on real images every <see cref="R1Interval"/> steps,
/// scaled by the interval as there. Real images are the renderer's; the discriminator is
/// unconditional, so the supervised L1 term is what keeps each latent on its face.
/// </summary>
internal sealed class AdversarialTerm : IDisposable
{
    public const string DiscriminatorFile = "discriminator.dat";
    public const string DiscriminatorOptimizerFile = "discriminator-adam.dat";
    public const int R1Interval = 16;

    private readonly TorchSharp.Modules.Adam _optimizer;
    private readonly double _r1Gamma;
    private long _steps;

    public AdversarialTerm(TrainableDiscriminator discriminator, double learningRate, double r1Gamma)
    {
        Discriminator = discriminator;
        _r1Gamma = r1Gamma;
        // The reference's betas (0, 0.99); its lazy-regularisation correction of the rate is left out (one R1 step in 16).
        _optimizer = optim.Adam(discriminator.parameters(), learningRate, beta1: 0, beta2: 0.99);
    }

    public TrainableDiscriminator Discriminator { get; }

    /// <summary>One discriminator step on <paramref name="real"/> against <paramref name="fake"/> (detached here); returns its loss.</summary>
    public double TrainDiscriminator(Tensor real, Tensor fake)
    {
        using var scope = NewDisposeScope();
        var loss = F.softplus(Discriminator.forward(fake.detach())).mean().add(F.softplus(Discriminator.forward(real).neg()).mean());
        if (_steps++ % R1Interval == 0)
            loss = loss.add(R1Penalty(real).mul(_r1Gamma / 2 * R1Interval));
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>The generator's non-saturating loss on <paramref name="fake"/>: softplus(-D(G(z))), gradients flowing into the generator.</summary>
    public Tensor GeneratorLoss(Tensor fake) => F.softplus(Discriminator.forward(fake).neg()).mean();

    /// <summary>R1 (Mescheder et al. 2018): the squared norm of D's gradient at the real images, per image, averaged.</summary>
    private Tensor R1Penalty(Tensor real)
    {
        var input = real.detach().requires_grad_(true);
        var logits = Discriminator.forward(input);
        var gradient = autograd.grad([logits.sum()], [input], retain_graph: true, create_graph: true)[0];
        return gradient.square().sum([1, 2, 3]).mean();
    }

    public void Save(string directory)
    {
        Discriminator.save(Path.Combine(directory, DiscriminatorFile));
        _optimizer.save_state_dict(Path.Combine(directory, DiscriminatorOptimizerFile));
    }

    /// <summary>Continues from what <see cref="Save"/> wrote, when <paramref name="directory"/> holds it; false when it does not.</summary>
    public bool TryLoad(string directory)
    {
        var weights = Path.Combine(directory, DiscriminatorFile);
        var moments = Path.Combine(directory, DiscriminatorOptimizerFile);
        if (!File.Exists(weights))
            return false;
        Discriminator.load(weights);
        if (File.Exists(moments))
            _optimizer.load_state_dict(moments);
        return true;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        Discriminator.Dispose();
    }
}
