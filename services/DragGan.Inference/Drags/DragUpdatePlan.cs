using DragGan.Engine.Drags;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using ModelInfo = DragGan.Engine.Models.ModelInfo;
using ParametersMessage = DragGan.Protos.V1.DragParameters;

namespace DragGan.Inference.Drags;

/// <summary>
/// A <see cref="DragUpdate"/> checked against the model when it arrives, and applied to the edit
/// between steps. <see cref="ApplyTo"/> checks everything that depends on the edit (point indices,
/// the point limit, parameters) before it changes anything, so an update applies whole or not at all.
/// </summary>
internal sealed record DragUpdatePlan(
    bool Reset,
    IReadOnlyList<DragUpdatePlan.PointChange> PointChanges,
    DragUpdatePlan.MaskChange? Mask,
    ParametersMessage? Parameters,
    FrameSettings? Frames)
{
    private const string Field = "update";

    public abstract record PointChange(string Field);

    public sealed record AddPoint(string Field, PixelPoint Handle, PixelPoint Target) : PointChange(Field);

    public sealed record RemovePoint(string Field, int Index) : PointChange(Field);

    public sealed record MovePoint(string Field, int Index, PixelPoint? Handle, PixelPoint? Target) : PointChange(Field);

    /// <summary>A new fixed region, or null to clear it.</summary>
    public sealed record MaskChange(bool[]? FixedRegion);

    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming the "update.*" field.</exception>
    public static DragUpdatePlan From(DragUpdate update, ModelInfo model)
    {
        var changes = new List<PointChange>(update.PointEdits.Count);
        for (var i = 0; i < update.PointEdits.Count; i++)
            changes.Add(PointChangeOf(update.PointEdits[i], model.Resolution, $"{Field}.point_edits[{i}]"));

        MaskChange? mask = null;
        if (update.ClearMask && update.Mask is not null)
            throw Invalid.Argument($"{Field}.clear_mask", "cannot be set together with update.mask.");
        if (update.ClearMask)
            mask = new MaskChange(null);
        else if (update.Mask is not null)
            mask = new MaskChange(DragMessages.FixedRegion(update.Mask, model.Resolution, $"{Field}.mask"));

        var frames = update.FrameOptions is null ? null : FrameSettings.From(update.FrameOptions, $"{Field}.frame_options", model.Resolution);
        // Parameter ranges depend on the edit's current values; they are checked in ApplyTo.
        return new DragUpdatePlan(update.Reset, changes, mask, update.Parameters, frames);
    }

    /// <summary>Applies the update in the contract's order: reset, point edits, mask, parameters, frame options.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming the "update.*" field; nothing was changed.</exception>
    public void ApplyTo(DragStream stream)
    {
        var edit = stream.Edit;
        var parameters = Parameters is null ? null : CheckParameters(edit, stream.Model);
        CheckPointIndices(edit);

        if (Reset)
            edit.Reset();
        foreach (var change in PointChanges)
        {
            switch (change)
            {
                case AddPoint add:
                    edit.AddPoint(add.Handle, add.Target);
                    break;
                case RemovePoint remove:
                    edit.RemovePoint(remove.Index);
                    break;
                case MovePoint move:
                    if (move.Handle is { } handle)
                        edit.MoveHandle(move.Index, handle);
                    if (move.Target is { } target)
                        edit.MoveTarget(move.Index, target);
                    break;
            }
        }
        if (Mask is not null)
            edit.SetFixedRegion(Mask.FixedRegion);
        if (parameters is not null)
            edit.SetParameters(parameters);
        if (Frames is not null)
            stream.Frames = Frames;
    }

    private Engine.Drags.DragParameters CheckParameters(DragEdit edit, ModelInfo model)
    {
        var merged = DragMessages.Parameters(Parameters, model, edit.Parameters, $"{Field}.parameters");
        try
        {
            return edit.CheckParameters(merged);
        }
        catch (DragInputException e)
        {
            throw DragRequestFields.Invalid(e, Field);
        }
    }

    /// <summary>Walks the point edits against the count they will see, so that no edit fails halfway.</summary>
    private void CheckPointIndices(DragEdit edit)
    {
        var count = edit.Handles.Count;
        foreach (var change in PointChanges)
        {
            switch (change)
            {
                case AddPoint:
                    if (++count > edit.Limits.MaxPoints)
                        throw Invalid.Argument($"{change.Field}.add", $"would make {count} points; at most {edit.Limits.MaxPoints} are allowed.");
                    break;
                case RemovePoint remove:
                    if (remove.Index >= count)
                        throw Invalid.Argument($"{change.Field}.remove", $"{remove.Index} is out of range; the edit has {count} points at this change.");
                    count--;
                    break;
                case MovePoint move:
                    if (move.Index >= count)
                        throw Invalid.Argument($"{change.Field}.move.index", $"{move.Index} is out of range; the edit has {count} points at this change.");
                    break;
            }
        }
    }

    private static PointChange PointChangeOf(PointEdit edit, int resolution, string field)
    {
        switch (edit.EditCase)
        {
            case PointEdit.EditOneofCase.Add:
                var (handle, target) = DragMessages.Pair(edit.Add, resolution, $"{field}.add");
                return new AddPoint(field, handle, target);
            case PointEdit.EditOneofCase.Remove:
                return new RemovePoint(field, (int)Math.Min(edit.Remove, int.MaxValue));
            case PointEdit.EditOneofCase.Move:
                var move = edit.Move;
                if (move.Handle is null && move.Target is null)
                    throw Invalid.Argument($"{field}.move", "must set handle, target or both.");
                return new MovePoint(
                    field,
                    (int)Math.Min(move.Index, int.MaxValue),
                    move.Handle is null ? null : DragMessages.Point(move.Handle, resolution, $"{field}.move.handle"),
                    move.Target is null ? null : DragMessages.Point(move.Target, resolution, $"{field}.move.target"));
            default:
                throw Invalid.Argument(field, "must set add, remove or move.");
        }
    }
}
