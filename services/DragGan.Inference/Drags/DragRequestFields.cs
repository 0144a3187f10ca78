using System.Text;
using DragGan.Engine.Drags;
using DragGan.Inference.Services;
using Grpc.Core;

namespace DragGan.Inference.Drags;

/// <summary>
/// Where the engine's drag inputs sit in a draggan.v1 request. The engine names an input by
/// <see cref="DragEdit"/>'s parameter and its own members (<c>parameters.LearningRate</c>,
/// <c>state.Handles[0].Handle</c>); the contract names the same fields in snake_case, with two
/// names of its own: the edit's first latent is <c>latent</c> and its fixed region <c>mask</c>.
/// </summary>
internal static class DragRequestFields
{
    private static readonly Dictionary<string, string> ContractNames = new(StringComparer.Ordinal)
    {
        ["initialLatent"] = "latent",
        ["fixedRegion"] = "mask",
        ["FixedRegion"] = "mask",
    };

    /// <summary>INVALID_ARGUMENT naming the refused input where it sits under <paramref name="message"/> ("start", "resume", "update").</summary>
    public static RpcException Invalid(DragInputException e, string message) =>
        Services.Invalid.Argument($"{message}.{Of(e.Input)}", e.Problem);

    /// <summary>The contract's path of an engine input: <c>state.Adam.FirstMoment</c> is <c>state.adam.first_moment</c>.</summary>
    public static string Of(string input) => string.Join('.', input.Split('.').Select(Segment));

    private static string Segment(string segment)
    {
        var bracket = segment.IndexOf('[');
        var name = bracket < 0 ? segment : segment[..bracket];
        var index = bracket < 0 ? "" : segment[bracket..];
        return (ContractNames.TryGetValue(name, out var renamed) ? renamed : SnakeCase(name)) + index;
    }

    private static string SnakeCase(string name)
    {
        var snake = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                snake.Append('_');
            snake.Append(char.ToLowerInvariant(name[i]));
        }
        return snake.ToString();
    }
}
