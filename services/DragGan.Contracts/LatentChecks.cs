using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Contracts;

/// <summary>The checks both services make of a <see cref="Latent"/> a client sends, before using it with a model.</summary>
public static class LatentChecks
{
    /// <summary>Rows 1 (w) or num_ws (w+), the model's w_dim, rows * w_dim values, all finite.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT whose message starts with <paramref name="field"/>.rows, .w_dim or .values.</exception>
    public static void CheckShape(Latent latent, int numWs, int wDim, string modelName, string field)
    {
        if (latent.Rows != 1 && latent.Rows != numWs)
            throw Invalid($"{field}.rows", $"must be 1 (w) or {numWs} (w+ of model '{modelName}'), got {latent.Rows}.");
        if (latent.WDim != wDim)
            throw Invalid($"{field}.w_dim", $"must be {wDim} for model '{modelName}', got {latent.WDim}.");
        var expected = (long)latent.Rows * latent.WDim;
        if (latent.Values.Count != expected)
            throw Invalid($"{field}.values", $"must hold rows * w_dim = {expected} values, got {latent.Values.Count}.");
        for (var i = 0; i < latent.Values.Count; i++)
        {
            if (!float.IsFinite(latent.Values[i]))
                throw Invalid($"{field}.values", $"must be finite; value {i} is {latent.Values[i]}.");
        }
    }

    private static RpcException Invalid(string field, string problem) => new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));
}
