namespace HpcBackprop.Tests;

/// <summary>
/// Allocation tests run alone: a concurrent test holding the pooled workspace of the same layout would
/// make the pool create another, which is the pool working as designed, not a hot-path allocation.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation measurements";
}
