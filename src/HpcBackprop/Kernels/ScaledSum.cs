using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// destination = a x + b y, elementwise: the final gradient D = (1/m) Delta + (lambda/m) Theta in one pass
/// (the caller then sets the bias column, which is not regularized).
/// </summary>
internal static class ScaledSum
{
    /// <summary>
    /// destination[i] = (a x[i]) + (b y[i]), two products and a sum, each rounded as in the scalar expression
    /// (no fused multiply-add), so every path gives the same bits; destination may be x or y itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(T a, ReadOnlySpan<T> x, T b, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(y.Length, x.Length, nameof(y));
        KernelArguments.CheckLength(destination.Length, x.Length, nameof(destination));
        Elementwise.Map(new Operator<T>(a, b), x, y, destination);
    }

    // Invoke is generic over T like every operator's; here T is always TScalar, so the bit casts are no-ops.
    private readonly struct Operator<TScalar>(TScalar a, TScalar b) : IElementwiseOperator
        where TScalar : unmanaged, IFloatingPointIeee754<TScalar>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
            => TOps.Add(
                TOps.Multiply(TOps.Create(Unsafe.BitCast<TScalar, T>(a)), x),
                TOps.Multiply(TOps.Create(Unsafe.BitCast<TScalar, T>(b)), y));
    }
}
