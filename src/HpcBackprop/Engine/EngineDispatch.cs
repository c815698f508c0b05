using System.Numerics;

namespace HpcBackprop.Engine;

/// <summary>
/// Runs a gradient evaluation on the engine the options ask for, with pooled buffers.
/// </summary>
internal static class EngineDispatch
{
    /// <summary>
    /// From this many examples on, the automatic choice is the batched engine. Measured on this
    /// project's development machine (Zen 3, AVX2) with four layouts from 64-25-10 to 1024-1024-1024-10:
    /// the per-example engine is faster below 16-32 examples (no packing to amortize), the batched one
    /// from 32 on (1.2-2.7x at m = 128).
    /// </summary>
    public const int BatchedFromExamples = 32;

    public static bool UseBatched(BackpropagationOptions options, int m) => options.Engine switch
    {
        BackpropagationEngine.PerExample => false,
        BackpropagationEngine.Batched => true,
        _ => m >= BatchedFromExamples,
    };

    public static void CheckOptions(BackpropagationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.Engine))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Engine,
                "options.Engine must be Automatic, PerExample or Batched.");
        }
    }

    public static T CostAndGradient<T>(
        NetworkLayout layout,
        BackpropagationOptions options,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        Supervision<T> y,             // m labels or m x K targets
        T lambda,
        Span<T> gradient)             // ParameterCount, or empty for the cost alone
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UseBatched(options, y.Count))
        {
            BatchedWorkspace<T> batched = WorkspacePool<BatchedWorkspace<T>>.Rent(layout);
            try
            {
                return BatchedEngine.CostAndGradient(batched, parameters, features, y, lambda, gradient, options.MaxDegreeOfParallelism);
            }
            finally
            {
                WorkspacePool<BatchedWorkspace<T>>.Return(batched);
            }
        }

        Workspace<T> ws = WorkspacePool<Workspace<T>>.Rent(layout);
        try
        {
            return PerExampleEngine.CostAndGradient(ws, parameters, features, y, lambda, gradient);
        }
        finally
        {
            WorkspacePool<Workspace<T>>.Return(ws);
        }
    }
}
