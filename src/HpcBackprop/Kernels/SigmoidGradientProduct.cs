using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>d = e .* a .* (1 - a): the error term times g'(z), with g'(z) taken from a = g(z).</summary>
internal static class SigmoidGradientProduct
{
    /// <summary>d[i] = e[i] a[i] (1 - a[i]); <paramref name="d"/> may be <paramref name="e"/> itself.</summary>
    public static void Compute<T>(ReadOnlySpan<T> e, ReadOnlySpan<T> a, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, e.Length, nameof(a));
        KernelArguments.CheckLength(d.Length, e.Length, nameof(d));
        for (int i = 0; i < e.Length; i++)
        {
            d[i] = e[i] * a[i] * (T.One - a[i]);
        }
    }
}
