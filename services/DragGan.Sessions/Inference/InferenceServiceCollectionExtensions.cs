using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Sessions.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// One gRPC channel to <see cref="SessionsOptions.InferenceAddress"/> (HTTP/2 connections are
    /// multiplexed, so one channel serves every request) and the <see cref="InferenceGateway"/> over it.
    /// </summary>
    public static IServiceCollection AddInferenceGateway(this IServiceCollection services)
    {
        services.AddSingleton(s =>
        {
            var options = s.GetRequiredService<IOptions<SessionsOptions>>().Value;
            return GrpcChannel.ForAddress(options.InferenceAddress, new GrpcChannelOptions
            {
                // Frames and exports come back from the inference service: allow what we may send on.
                MaxReceiveMessageSize = options.MaxSendMessageBytes,
                MaxSendMessageSize = options.MaxReceiveMessageBytes,
                LoggerFactory = s.GetRequiredService<ILoggerFactory>(),
            });
        });
        services.AddSingleton(s => new InferenceClient(s.GetRequiredService<GrpcChannel>()));
        services.AddSingleton<InferenceGateway>();
        return services;
    }
}
