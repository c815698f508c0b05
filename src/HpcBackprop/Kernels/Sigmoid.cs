using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>a = g(z) = 1 / (1 + e^-z), elementwise.</summary>
internal static class Sigmoid
{
    /// <summary>a[i] = 1 / (1 + e^-z[i]); <paramref name="a"/> may be <paramref name="z"/> itself (not a shifted overlap).</summary>
    /// <remarks>
    /// Every element goes through the vector exp, spans shorter than a vector included, so its value does not
    /// depend on the span's length (the number of examples in a block); and <see cref="Exponential"/> computes
    /// each lane from its own argument alone, saturated ones included.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(ReadOnlySpan<T> z, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, z.Length, nameof(a));
        Elementwise.Map<Operator, T>(default, z, z, a);
    }

    /// <summary>g(z) per lane: the formula the kernel and the GEMM's <see cref="Gemm.SigmoidEpilogue{T}"/> share.</summary>
    /// <remarks>
    /// e^-z is taken of max(-z, -80) in float (-700 in double), by the clamp the exp applies to its argument anyway:
    /// past z = 17.4 (37.5) 1 + e^-z already rounds to 1, so the result is the same, but e^-z stays a normal number.
    /// Left alone, e^-z of a unit saturated towards 1 is subnormal or underflows, and the processor's slow path for
    /// those made the float sigmoid 2.5x slower (262144 values of z = 95: 0.57 ms against 0.23 for z = 5 or -95).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Of<TOps, TVec, T>(TVec z)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec one = TOps.Create(T.One);
        TVec e = Exponential.OfAtLeast<TOps, TVec, T>(TOps.Negate(z), typeof(T) == typeof(float) ? -80.0 : -700.0);
        return TOps.Divide(one, TOps.Add(one, e));
    }

    private readonly struct Operator : IElementwiseOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
            => Of<TOps, TVec, T>(x);
    }
}
