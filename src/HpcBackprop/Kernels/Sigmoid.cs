using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>a = g(z) = 1 / (1 + e^-z), elementwise.</summary>
internal static class Sigmoid
{
    /// <summary>a[i] = 1 / (1 + e^-z[i]); <paramref name="a"/> may be <paramref name="z"/> itself.</summary>
    public static void Compute<T>(ReadOnlySpan<T> z, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, z.Length, nameof(a));
        for (int i = 0; i < z.Length; i++)
        {
            a[i] = T.One / (T.One + T.Exp(-z[i]));
        }
    }
}
