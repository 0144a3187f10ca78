namespace DragGan.Sessions.Errors;

/// <summary>
/// An error of the session service's own making, with a message written for its clients. Each kind
/// is one subclass; the gRPC layer gives each its status (see
/// <c>Services.ErrorMappingInterceptor</c>), so that the rest of the service knows nothing of gRPC.
/// </summary>
public abstract class SessionsException(string message, Exception? innerException = null) : Exception(message, innerException);
