using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace DragGan.Engine.Models;

/// <summary>Checks <see cref="ModelRegistryOptions"/> at startup, so that a bad configuration fails there and not on the first request.</summary>
public sealed partial class ModelRegistryOptionsValidator : IValidateOptions<ModelRegistryOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelRegistryOptions options)
    {
        var errors = FindErrors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem with <paramref name="options"/>, one sentence each; empty when they are usable.</summary>
    public static IReadOnlyList<string> FindErrors(ModelRegistryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var models = options.Models ?? [];
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        foreach (var (modelName, entry) in models)
        {
            if (!NamePattern().IsMatch(modelName ?? ""))
                errors.Add($"Model name '{modelName}' is not valid: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
            if (!names.Add(modelName ?? ""))
                errors.Add($"Model name '{modelName}' is configured twice (names are case-insensitive).");
            if (options.IncludeDemoModel && string.Equals(modelName, DemoModel.Name, StringComparison.OrdinalIgnoreCase))
                errors.Add($"Model name '{modelName}' is reserved for the built-in demo model.");
            if (options.IncludeFacesModel && string.Equals(modelName, FacesModel.Name, StringComparison.OrdinalIgnoreCase))
                errors.Add($"Model name '{modelName}' is reserved for the built-in faces model.");
            if (entry is null)
            {
                errors.Add($"Model '{modelName}' has no settings.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(entry.Path))
                errors.Add($"Model '{modelName}' has no Path.");
            else if (!File.Exists(ModelRegistry.ResolvePath(options, entry.Path)))
                errors.Add($"Model '{modelName}': checkpoint '{ModelRegistry.ResolvePath(options, entry.Path)}' does not exist.");
            if (!Enum.IsDefined(entry.Format))
                errors.Add($"Model '{modelName}' has an unknown Format '{entry.Format}' (use Auto, Pickle or Native).");
            if (!double.IsFinite(entry.DefaultPsi) || entry.DefaultPsi is < 0 or > 1)
                errors.Add($"Model '{modelName}': DefaultPsi must be between 0 and 1, got {entry.DefaultPsi}.");
            if (!double.IsFinite(entry.DefaultLearningRate) || entry.DefaultLearningRate is <= 0 or > 1)
                errors.Add($"Model '{modelName}': DefaultLearningRate must be in (0, 1], got {entry.DefaultLearningRate}.");
        }

        if (models.Count == 0 && !options.IncludeDemoModel && !options.IncludeFacesModel)
            errors.Add("No models are configured and IncludeFacesModel and IncludeDemoModel are false: the registry would be empty.");

        if (options.DefaultModel is { } defaultModel &&
            !names.Contains(defaultModel) &&
            !(options.IncludeDemoModel && string.Equals(defaultModel, DemoModel.Name, StringComparison.OrdinalIgnoreCase)) &&
            !(options.IncludeFacesModel && string.Equals(defaultModel, FacesModel.Name, StringComparison.OrdinalIgnoreCase)))
            errors.Add($"DefaultModel '{defaultModel}' is not a registered model.");

        try
        {
            ModelRegistry.ParseDevice(options.Device);
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
