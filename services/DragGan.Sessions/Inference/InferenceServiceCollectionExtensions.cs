namespace DragGan.Sessions.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// The inference replicas (<see cref="InferenceReplicaSet"/>, one channel each; HTTP/2
    /// multiplexes every call to a replica over one connection) and the <see cref="InferenceGateway"/>
    /// that unary calls go through.
    /// </summary>
    public static IServiceCollection AddInferenceGateway(this IServiceCollection services)
    {
        services.AddSingleton<IInferenceAddresses, ConfiguredInferenceAddresses>();
        services.AddSingleton<InferenceReplicaSet>();
        services.AddSingleton<InferenceGateway>();
        return services;
    }
}
