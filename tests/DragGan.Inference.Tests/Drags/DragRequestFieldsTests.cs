using DragGan.Inference.Drags;
using DragGan.Protos.V1;
using Google.Protobuf.Reflection;

namespace DragGan.Inference.Tests.Drags;

/// <summary>The engine's input names, translated to where the fields sit in the contract's messages.</summary>
public sealed class DragRequestFieldsTests
{
    [Theory]
    [InlineData("points", "points")]
    [InlineData("points[3].Handle", "points[3].handle")]
    [InlineData("initialLatent", "latent")]
    [InlineData("fixedRegion", "mask")]
    [InlineData("parameters.LearningRate", "parameters.learning_rate")]
    [InlineData("parameters.LatentRegularization", "parameters.latent_regularization")]
    [InlineData("parameters.OptimizedLayers", "parameters.optimized_layers")]
    public void StartInputs_AreFieldsOfDragStart(string input, string expected)
    {
        var path = DragRequestFields.Of(input);

        Assert.Equal(expected, path);
        AssertFieldPath(DragStart.Descriptor, path);
    }

    [Theory]
    [InlineData("state.Latent", "state.latent")]
    [InlineData("state.InitialLatent", "state.initial_latent")]
    [InlineData("state.Handles[0].ReferenceFeature", "state.handles[0].reference_feature")]
    [InlineData("state.Handles[1].Origin", "state.handles[1].origin")]
    [InlineData("state.FixedRegion", "state.mask")]
    [InlineData("state.Step", "state.step")]
    [InlineData("state.Parameters.StopDistance", "state.parameters.stop_distance")]
    [InlineData("state.Adam.SecondMoment", "state.adam.second_moment")]
    [InlineData("state.Adam.Steps", "state.adam.steps")]
    public void ResumeInputs_AreFieldsOfDragResume(string input, string expected)
    {
        var path = DragRequestFields.Of(input);

        Assert.Equal(expected, path);
        AssertFieldPath(DragResume.Descriptor, path);
    }

    [Fact]
    public void AStatusNamesTheMessageAndTheField_ThenTheEnginesProblem()
    {
        var error = DragRequestFields.Invalid(new Engine.Drags.DragInputException("parameters.MaxSteps", "must be in 1..100000, got 0."), "update");

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("update.parameters.max_steps must be in 1..100000, got 0.", error.Status.Detail);
    }

    private static void AssertFieldPath(MessageDescriptor message, string path)
    {
        var current = message;
        foreach (var segment in path.Split('.'))
        {
            Assert.NotNull(current);
            var name = segment.Split('[')[0];
            var field = current!.FindFieldByName(name);
            Assert.True(field is not null, $"{current.FullName} has no field '{name}' (path {path}).");
            current = field!.FieldType == FieldType.Message ? field.MessageType : null;
        }
    }
}
