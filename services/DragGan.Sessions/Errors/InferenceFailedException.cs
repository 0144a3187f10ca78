namespace DragGan.Sessions.Errors;

/// <summary>
/// A call to the inference service failed. The inference client classifies the failure
/// (<see cref="Failure"/>) for the drag's failover; the reply itself, when there was one, is the
/// <see cref="Exception.InnerException"/>, and the gRPC layer relays it to the client unchanged
/// (the inference service's statuses are the contract's too), with the field renamed where the
/// session service forwarded a client's field under another name (<see cref="NamingClientField"/>).
/// </summary>
public sealed class InferenceFailedException(InferenceFailure failure, string message, Exception? reply = null)
    : SessionsException(message, reply)
{
    public InferenceFailure Failure { get; } = failure;

    /// <summary>A replica failure after which the work can move to another replica.</summary>
    public bool CanMoveToAnotherReplica => Failure is InferenceFailure.ReplicaFailed or InferenceFailure.ReplicaFull or InferenceFailure.BadReply;

    /// <summary>
    /// For <see cref="InferenceFailure.InvalidInput"/> naming a field under <paramref name="inferencePrefix"/>
    /// ("start.image"), the same failure naming the client's field under <paramref name="clientPrefix"/>
    /// ("image.image"); otherwise this one.
    /// </summary>
    public InferenceFailedException NamingClientField(string inferencePrefix, string clientPrefix) =>
        Failure == InferenceFailure.InvalidInput && Message.StartsWith(inferencePrefix, StringComparison.Ordinal)
            ? new InferenceFailedException(Failure, clientPrefix + Message[inferencePrefix.Length..], InnerException)
            : this;
}
