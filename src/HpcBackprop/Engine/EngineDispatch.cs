using System.Numerics;
using System.Runtime.CompilerServices;

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

    /// <summary>
    /// The same for layouts of at least <see cref="LargeLayoutParameters"/> weights, whose every pass of the
    /// per-example engine streams them from memory. Measured again with the 8-example block (harness, float,
    /// one thread, thread CPU time, min of 9, both engines side by side, two runs): 1024-1024-1024-10 took
    /// 7.26/6.23 ms on the per-example engine and 5.09/4.91 on the batched one at m = 16, 10.1/8.93 against
    /// 6.66/6.10 at m = 24, and 2.98/2.09 against 6.18/3.73 at m = 8 (one block, which never touches Delta). The smaller layouts' crossovers stayed near 32
    /// (784-256-10 about 24, 64-25-10 about 40, 400-25-10 about 64).
    /// </summary>
    public const int LargeLayoutBatchedFromExamples = 16;

    /// <summary>Weights from which a layout counts as large for the automatic choice (4 MiB in float).</summary>
    public const int LargeLayoutParameters = 1 << 20;

    /// <summary>Whether <paramref name="options"/> run m examples of <paramref name="layout"/> on the batched engine.</summary>
    public static bool UseBatched(BackpropagationOptions options, NetworkLayout layout, int m) => options.Engine switch
    {
        BackpropagationEngine.PerExample => false,
        BackpropagationEngine.Batched => true,
        _ => m >= (layout.ParameterCount >= LargeLayoutParameters ? LargeLayoutBatchedFromExamples : BatchedFromExamples),
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
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
        if (UseBatched(options, layout, y.Count))
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
