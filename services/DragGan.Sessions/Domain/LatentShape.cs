using DragGan.Protos.V1;
using DragGan.Sessions.Services;

namespace DragGan.Sessions.Domain;

/// <summary>Checks latents from clients against a model's shape, before they reach the store or the inference service.</summary>
internal static class LatentShape
{
    /// <summary>The latent as w+ (rows = num_ws; a single row w repeated), after checking rows, w_dim, count and finiteness.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/>, .rows, .w_dim or .values.</exception>
    public static Latent ToWPlus(Latent? latent, ModelInfo model, string field)
    {
        if (latent is null)
            throw Invalid.Argument(field, "is required.");
        if (latent.Rows != 1 && latent.Rows != model.NumWs)
            throw Invalid.Argument($"{field}.rows", $"must be 1 (w) or {model.NumWs} (w+ of model '{model.Name}'), got {latent.Rows}.");
        if (latent.WDim != model.WDim)
            throw Invalid.Argument($"{field}.w_dim", $"must be {model.WDim} for model '{model.Name}', got {latent.WDim}.");
        var expected = (long)latent.Rows * latent.WDim;
        if (latent.Values.Count != expected)
            throw Invalid.Argument($"{field}.values", $"must hold rows * w_dim = {expected} values, got {latent.Values.Count}.");
        for (var i = 0; i < latent.Values.Count; i++)
        {
            if (!float.IsFinite(latent.Values[i]))
                throw Invalid.Argument($"{field}.values", $"must be finite; value {i} is {latent.Values[i]}.");
        }
        if (latent.Rows == model.NumWs)
            return latent.Clone();
        var wPlus = new Latent { Rows = model.NumWs, WDim = model.WDim };
        for (var row = 0; row < model.NumWs; row++)
            wPlus.Values.AddRange(latent.Values);
        return wPlus;
    }
}
