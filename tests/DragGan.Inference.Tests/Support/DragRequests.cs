using DragGan.Protos.V1;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Inference.Tests.Support;

/// <summary>Building blocks of Drag requests for the fixture model.</summary>
public static class DragRequests
{
    public static PointPair Pair(double hx, double hy, double tx, double ty) => new()
    {
        Handle = new Point { X = hx, Y = hy },
        Target = new Point { X = tx, Y = ty },
    };

    /// <summary>The w+ of a seed on the model, from Generate.</summary>
    public static async Task<Latent> SeedLatentAsync(InferenceClient client, string model, ulong seed = 42)
    {
        var response = await client.GenerateAsync(new GenerateRequest { Model = model, Seed = new SeedSource { Seed = seed } });
        return response.Latent;
    }

    /// <summary>A start from <paramref name="latent"/> with small PNG frames, so that tests spend their time stepping.</summary>
    public static DragStart Start(string model, Latent latent, DragParameters? parameters = null, params PointPair[] points)
    {
        var start = new DragStart
        {
            Model = model,
            Latent = latent,
            Parameters = parameters ?? new DragParameters(),
            FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 32 } },
        };
        start.Points.AddRange(points);
        return start;
    }
}
