using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>d = e .* a .* (1 - a): the error term times g'(z), with g'(z) taken from a = g(z).</summary>
internal static class SigmoidGradientProduct
{
    /// <summary>d[i] = e[i] a[i] (1 - a[i]); <paramref name="d"/> may be <paramref name="e"/> itself (not a shifted overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(ReadOnlySpan<T> e, ReadOnlySpan<T> a, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, e.Length, nameof(a));
        KernelArguments.CheckLength(d.Length, e.Length, nameof(d));
        Elementwise.Map<Operator, T>(default, e, a, d);
    }

    // Evaluated as (e a)(1 - a), the order of the scalar definition, so every path rounds alike.
    private readonly struct Operator : IElementwiseOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
            => TOps.Multiply(TOps.Multiply(x, y), TOps.Subtract(TOps.Create(T.One), y));
    }
}
