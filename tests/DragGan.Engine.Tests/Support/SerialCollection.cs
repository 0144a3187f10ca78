namespace DragGan.Engine.Tests.Support;

/// <summary>Tests that read process-wide counters run alone, not beside other test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial";
}
