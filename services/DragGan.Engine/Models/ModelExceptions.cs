namespace DragGan.Engine.Models;

/// <summary>A request named a model the registry does not have.</summary>
public sealed class ModelNotFoundException : KeyNotFoundException
{
    public ModelNotFoundException(string modelName, IEnumerable<string> available)
        : base($"Model '{modelName}' is not registered. Available: {string.Join(", ", available.Select(n => $"'{n}'"))}.")
    {
        ModelName = modelName;
    }

    public string ModelName { get; }
}

/// <summary>A registered model's checkpoint could not be loaded; the inner exception says why.</summary>
public sealed class ModelLoadException : Exception
{
    public ModelLoadException(string modelName, string message, Exception? innerException)
        : base(message, innerException)
    {
        ModelName = modelName;
    }

    public string ModelName { get; }
}
