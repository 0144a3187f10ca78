using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using Grpc.Core;

namespace DragGan.Sessions.Tests.Service;

/// <summary>The status and message clients get for each of the service's own errors.</summary>
public sealed class SessionsErrorStatusesTests
{
    public static TheoryData<SessionsException, StatusCode, string> OwnErrors() => new()
    {
        { new InvalidInputException("start.points", "must hold a pair."), StatusCode.InvalidArgument, "start.points must hold a pair." },
        { new ReferenceNotFoundException("drag_id", "'d' is not the session's active drag."), StatusCode.NotFound, "drag_id 'd' is not the session's active drag." },
        { new DragSessionGoneException("s1"), StatusCode.NotFound, "Session 's1' was deleted or has expired; its drag ended." },
        { new OperationNotAllowedException("Nothing to undo."), StatusCode.FailedPrecondition, "Nothing to undo." },
        { new VersionMismatchException(3, 5), StatusCode.Aborted, "expected_version 3 does not match: the session is at version 5." },
        { new LimitReachedException("Tenant 'a' runs 4 drags, its limit."), StatusCode.ResourceExhausted, "Tenant 'a' runs 4 drags, its limit." },
        { new TemporarilyUnavailableException("No inference replica is available."), StatusCode.Unavailable, "No inference replica is available." },
        { new InferenceFailedException(InferenceFailure.ReplicaFailed, "The replica ended the drag without a final frame."), StatusCode.Unavailable, "The replica ended the drag without a final frame." },
        { new InferenceFailedException(InferenceFailure.BadReply, "The final frame carried no state."), StatusCode.Internal, "The final frame carried no state." },
    };

    [Theory]
    [MemberData(nameof(OwnErrors))]
    public void EachError_GetsItsStatusWithItsMessage(SessionsException error, StatusCode status, string message)
    {
        var rpc = SessionsErrorStatuses.ToRpcException(error);

        Assert.Equal((status, message), (rpc.StatusCode, rpc.Status.Detail));
    }

    [Fact]
    public void AnInferenceAnswer_IsRelayedAsItCame_WithItsTrailers()
    {
        var answer = new RpcException(new Status(StatusCode.FailedPrecondition, "model 'x' is loading."), new Metadata { { "retry-after", "2" } });
        var failure = new InferenceFailedException(InferenceFailure.Refused, answer.Status.Detail, answer);

        Assert.Same(answer, SessionsErrorStatuses.ToRpcException(failure));
    }

    [Fact]
    public void AnInvalidForwardedField_IsRenamedToTheClients_KeepingStatusAndTrailers()
    {
        var answer = new RpcException(new Status(StatusCode.InvalidArgument, "start.steps must be in 1..10000, got 0."), new Metadata { { "x-field", "steps" } });
        var failure = new InferenceFailedException(InferenceFailure.InvalidInput, answer.Status.Detail, answer)
            .NamingClientField("start.image", "image.image")
            .NamingClientField("start.", "image.options.");

        var rpc = SessionsErrorStatuses.ToRpcException(failure);

        Assert.Equal((StatusCode.InvalidArgument, "image.options.steps must be in 1..10000, got 0."), (rpc.StatusCode, rpc.Status.Detail));
        Assert.Equal("steps", rpc.Trailers.GetValue("x-field"));
    }

    [Fact]
    public void OnlyAnInvalidField_IsRenamed()
    {
        var answer = new RpcException(new Status(StatusCode.NotFound, "start.model 'x' is not served."));
        var failure = new InferenceFailedException(InferenceFailure.Refused, answer.Status.Detail, answer);

        Assert.Same(failure, failure.NamingClientField("start.", "image.options."));
    }

    [Fact]
    public void AFailedDrag_KeepsItsCausesStatus_AndSaysWhichEntryHoldsIt()
    {
        var failed = new DragFailedException(new LimitReachedException("Every inference replica tried serves its maximum of streams."), savedStep: 4, entryId: 7);

        var rpc = SessionsErrorStatuses.ToRpcException(failed);

        Assert.Equal(StatusCode.ResourceExhausted, rpc.StatusCode);
        Assert.Equal("Every inference replica tried serves its maximum of streams. The drag's last saved state (step 4) is committed as history entry 7.", rpc.Status.Detail);
    }

    [Fact]
    public void AFailedDrag_OfACauseOfNoKnownKind_IsInternalWithoutTheCausesMessage()
    {
        var failed = new DragFailedException(new InvalidOperationException("a path on the server"), savedStep: 4, entryId: 7);

        var rpc = SessionsErrorStatuses.ToRpcException(failed);

        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.Equal("The drag failed. The drag's last saved state (step 4) is committed as history entry 7.", rpc.Status.Detail);
    }

    [Fact]
    public void AFailedDrag_OnAnInferenceAnswer_KeepsTheAnswersStatus()
    {
        var answer = new RpcException(new Status(StatusCode.InvalidArgument, "start.mask.values must hold 65536 bytes."));
        var failed = new DragFailedException(new InferenceFailedException(InferenceFailure.InvalidInput, answer.Status.Detail, answer), savedStep: 2, entryId: 3);

        var rpc = SessionsErrorStatuses.ToRpcException(failed);

        Assert.Equal((StatusCode.InvalidArgument, "start.mask.values must hold 65536 bytes. The drag's last saved state (step 2) is committed as history entry 3."),
            (rpc.StatusCode, rpc.Status.Detail));
    }
}
