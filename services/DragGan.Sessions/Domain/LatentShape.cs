using DragGan.Contracts;
using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;

namespace DragGan.Sessions.Domain;

/// <summary>Checks latents from clients against a model's shape, before they reach the store or the inference service.</summary>
internal static class LatentShape
{
    /// <summary>The latent as w+ (rows = num_ws; a single row w repeated), after checking rows, w_dim, count and finiteness.</summary>
    /// <exception cref="InvalidInputException">Naming <paramref name="field"/>, .rows, .w_dim or .values.</exception>
    public static Latent ToWPlus(Latent? latent, ModelInfo model, string field)
    {
        if (latent is null)
            throw new InvalidInputException(field, "is required.");
        LatentChecks.CheckShape(latent, (int)model.NumWs, (int)model.WDim, model.Name, field);
        if (latent.Rows == model.NumWs)
            return latent.Clone();
        var wPlus = new Latent { Rows = model.NumWs, WDim = model.WDim };
        for (var row = 0; row < model.NumWs; row++)
            wPlus.Values.AddRange(latent.Values);
        return wPlus;
    }
}
