using DragGan.Protos.V1;
using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Drags;

/// <summary>
/// What a session drag runs: the inference start (model, the session's current latent, points,
/// mask, parameters), the frame options the client asked for, and, when a drag continues after its
/// session-service process went away, the state it continues from. <see cref="Resolution"/> is the
/// model's, which bounds the frames kept for ExportAnimation.
/// </summary>
internal sealed record DragPlan(SessionKey Key, string DragId, DragStart Start, FrameOptions ClientFrames, DragState? ResumeFrom, uint Resolution);
