using DragGan.Protos.V1;
using DragGan.Sessions.Drags;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// Which client commands a resumed drag sends again: those no persisted state covers, judged by
/// the count of commands the inference stream reports applied, never by when a state arrived.
/// </summary>
public sealed class CommandReplayTests
{
    private static ClientDragCommand Update(uint maxSteps) => new ClientDragCommand.Update(new DragUpdate { Parameters = new DragParameters { MaxSteps = maxSteps } });

    [Fact]
    public void AStateMadeBeforeACommandArrived_DoesNotConfirmIt()
    {
        var replay = new CommandReplay();
        Assert.Empty(replay.BeginStream());
        var pause = new ClientDragCommand.Pause();
        replay.Sending(pause);

        // A periodic state the replica made before the pause reached it.
        replay.Confirm(applied: 0);

        Assert.Equal([pause], replay.BeginStream());
    }

    [Fact]
    public void ConfirmedCommandsAreDropped_InTheOrderTheyWereSent()
    {
        var replay = new CommandReplay();
        replay.BeginStream();
        ClientDragCommand[] sent = [Update(10), new ClientDragCommand.Pause(), new ClientDragCommand.Unpause()];
        foreach (var command in sent)
            replay.Sending(command);

        replay.Confirm(applied: 2);
        replay.Confirm(applied: 1); // an older count (states arrive in order; this must not undo anything)

        Assert.Equal([sent[2]], replay.BeginStream());
    }

    [Fact]
    public void OnAResumedStream_TheResentCommandsCountFirst()
    {
        var replay = new CommandReplay();
        replay.BeginStream();
        var (first, second, third) = (Update(10), Update(20), Update(30));
        replay.Sending(first);
        replay.Sending(second);
        replay.Confirm(applied: 1);

        // The replica fails; the next stream gets the unconfirmed command first, then new ones.
        Assert.Equal([second], replay.BeginStream());
        replay.Sending(third);
        Assert.Equal(2, replay.Count);

        replay.Confirm(applied: 1); // the new stream's count: the resent command only
        Assert.Equal([third], replay.BeginStream());
        replay.Confirm(applied: 1);
        Assert.Equal(0, replay.Count);
    }
}
