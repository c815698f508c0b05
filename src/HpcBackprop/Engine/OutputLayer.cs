using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>The step both engines share between the forward and the backward pass, for a block of examples.</summary>
internal static class OutputLayer
{
    /// <summary>
    /// Writes y(t) for examples <paramref name="start"/> .. + <paramref name="count"/> into
    /// <paramref name="targets"/>, returns the block's cross-entropy terms computed from z(L), and, when
    /// <paramref name="dL"/> is not empty, writes d(L) = h - y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndError<T>(
        Supervision<T> y,
        int start, int count,
        ReadOnlySpan<T> z,       // count x K: z(L)
        ReadOnlySpan<T> h,       // count x K: g(z(L))
        Span<T> targets,         // count x K, written
        Span<T> dL)              // count x K, written, or empty for the cost alone
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = y.Outputs;
        for (int t = 0; t < count; t++)
        {
            y.WriteTarget(start + t, targets.Slice(t * k, k), T.One);
        }

        T cost = LogisticCost.Sum<T>(z, targets);
        if (!dL.IsEmpty)
        {
            // 1 h + (-1) y is exactly h - y (both products are exact), in vectors.
            ScaledSum.Compute(T.One, h[..dL.Length], T.NegativeOne, targets[..dL.Length], dL);
        }

        return cost;
    }
}
