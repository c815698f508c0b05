using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>sum_i x[i]^2: the L2 regularization term of the cost, over the non-bias weights.</summary>
internal static class SumOfSquares
{
    /// <summary>The sum of x[i] x[i] (summation order: see <see cref="Reduction"/>).</summary>
    public static T Compute<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Reduction.Sum<Operator, T>(default, x, x);

    private readonly struct Operator : IElementwiseOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
            => TOps.Multiply(x, x);
    }
}
