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
    public static void Compute<T>(ReadOnlySpan<T> z, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, z.Length, nameof(a));
        Elementwise.Map<Operator, T>(default, z, z, a);
    }

    private readonly struct Operator : IElementwiseOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
            where TOps : IVectorOps<TVec, T>
            where TVec : struct
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            TVec one = TOps.Create(T.One);
            return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Negate(x))));
        }
    }
}
