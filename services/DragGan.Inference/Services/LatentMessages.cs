using DragGan.Contracts;
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
        LatentChecks.CheckShape(latent, model.NumWs, model.WDim, model.Name, field);
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
