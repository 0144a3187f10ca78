namespace DragGan.Sessions.Errors;

/// <summary>How a call to an inference replica failed, as far as the session service acts on it.</summary>
public enum InferenceFailure
{
    /// <summary>The replica died, drained, timed out or dropped the call: another replica can take the work.</summary>
    ReplicaFailed,

    /// <summary>The replica runs its most streams; it is healthy, only this work looks elsewhere.</summary>
    ReplicaFull,

    /// <summary>The replica broke answering (an internal error, a reply the contract does not allow): another replica can take the work.</summary>
    BadReply,

    /// <summary>The replica found a forwarded field invalid; the message leads with the field's name as the inference service names it.</summary>
    InvalidInput,

    /// <summary>The replica refused the call for another reason (an unknown model, a failed precondition); another replica would too.</summary>
    Refused,
}
