namespace DragGan.Engine.Networks;

/// <summary>
/// The mapping network's parameters by state-dict name and shape, the same in StyleGAN2 and StyleGAN3
/// (their <c>MappingNetwork</c>s register the same): fully connected layers <c>fc0</c>.. from z to w,
/// and the running average <c>w_avg</c>.
/// </summary>
internal static class MappingLayout
{
    public static void AddTo(List<TensorSpec> specs, int zDim, int wDim, int layers)
    {
        var features = zDim;
        for (var i = 0; i < layers; i++)
        {
            specs.Add(new($"mapping.fc{i}.weight", [wDim, features]));
            specs.Add(new($"mapping.fc{i}.bias", [wDim]));
            features = wDim;
        }
        specs.Add(new("mapping.w_avg", [wDim], IsBuffer: true));
    }
}
