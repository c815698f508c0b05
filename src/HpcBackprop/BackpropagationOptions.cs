namespace HpcBackprop;

/// <summary>Which algorithm computes the gradient; every choice gives the same numbers within rounding.</summary>
public enum BackpropagationEngine
{
    /// <summary>Chosen per call from m and the layer sizes (measured thresholds).</summary>
    Automatic = 0,

    /// <summary>The spec's per-example loop on GEMV and rank-1 kernels, a few examples per pass over the weights.</summary>
    PerExample = 1,

    /// <summary>The spec's batched form on a packed GEMM: examples stacked as rows, each product a matrix product.</summary>
    Batched = 2,
}

/// <summary>Options of a gradient evaluation. One instance can serve every call; it is immutable.</summary>
public sealed record BackpropagationOptions
{
    private readonly int _maxDegreeOfParallelism = 1;

    /// <summary>The defaults: automatic engine, one thread.</summary>
    public static BackpropagationOptions Default { get; } = new();

    /// <summary>Which engine to run; <see cref="BackpropagationEngine.Automatic"/> by default.</summary>
    public BackpropagationEngine Engine { get; init; } = BackpropagationEngine.Automatic;

    /// <summary>
    /// The most threads one call may use (the caller's included); 1 by default, since for small problems
    /// threading costs more than it gains. Only the batched engine uses more than one, and its result is
    /// bitwise the same for every thread count.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxDegreeOfParallelism));
            _maxDegreeOfParallelism = value;
        }
    }
}
