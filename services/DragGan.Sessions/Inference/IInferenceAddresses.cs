namespace DragGan.Sessions.Inference;

/// <summary>Where the inference replicas are now.</summary>
public interface IInferenceAddresses
{
    /// <summary>The replicas' addresses (e.g. <c>http://10.0.0.7:50051</c>), as of now.</summary>
    Task<IReadOnlyList<string>> CurrentAsync(CancellationToken cancellationToken);
}
