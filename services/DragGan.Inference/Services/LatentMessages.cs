using DragGan.Engine.Models;
using DragGan.Protos.V1;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Services;

/// <summary>Between <see cref="Latent"/> messages and row-major float arrays of the model's shape.</summary>
internal static class LatentMessages
{
    /// <summary>
    /// Checks a request's latent against the model (rows 1 or num_ws, w_dim, value count, finite)
    /// and returns it as w+ [num_ws * w_dim] row-major, a single row repeated for every layer.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/>.rows, .w_dim or .values.</exception>
    public static float[] ToWPlus(Latent latent, ModelInfo model, string field)
    {
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

        var values = new float[model.NumWs * model.WDim];
        if (latent.Rows == 1)
        {
            var row = latent.Values.ToArray();
            for (var r = 0; r < model.NumWs; r++)
                row.CopyTo(values, r * model.WDim);
        }
        else
        {
            latent.Values.CopyTo(values, 0);
        }
        return values;
    }

    /// <summary>A w+ message, rows = values.Length / wDim.</summary>
    public static Latent FromWPlus(float[] values, int numWs, int wDim)
    {
        var latent = new Latent { Rows = (uint)numWs, WDim = (uint)wDim };
        latent.Values.AddRange(values);
        return latent;
    }
}
