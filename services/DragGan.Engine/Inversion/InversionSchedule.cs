namespace DragGan.Engine.Inversion;

/// <summary>
/// The projector's per-step schedule, as <c>project()</c> in projector.py of
/// NVlabs/stylegan2-ada-pytorch computes it at step <c>k</c> of <c>T</c> (t = k / T, k from 0):
/// the learning rate ramps up linearly over the first <c>lr_rampup_length</c> of the run and down
/// along a half cosine over the last <c>lr_rampdown_length</c>; the Gaussian noise added to w has
/// standard deviation <c>w_std * initial_noise_factor * max(0, 1 - t / noise_ramp_length)^2</c>.
/// </summary>
internal static class InversionSchedule
{
    /// <summary>
    /// <c>lr0 * min(1, t / up) * (0.5 - 0.5 cos(pi * min(1, (1 - t) / down)))</c>: 0 at the first step,
    /// as the reference, which therefore only fills Adam's moments there.
    /// </summary>
    public static double LearningRate(int step, int totalSteps, double initial, double rampUp, double rampDown)
    {
        var t = (double)step / totalSteps;
        var rampDownFactor = 0.5 - 0.5 * Math.Cos(Math.Min(1.0, (1.0 - t) / rampDown) * Math.PI);
        var rampUpFactor = Math.Min(1.0, t / rampUp);
        return initial * rampDownFactor * rampUpFactor;
    }

    /// <summary>Standard deviation of the noise added to w at this step: <c>w_std * factor * max(0, 1 - t / ramp)^2</c>.</summary>
    public static double LatentNoiseScale(int step, int totalSteps, double wStd, double initialFactor, double rampLength)
    {
        var t = (double)step / totalSteps;
        var remaining = Math.Max(0.0, 1.0 - t / rampLength);
        return wStd * initialFactor * remaining * remaining;
    }
}
