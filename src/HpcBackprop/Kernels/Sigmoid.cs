using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>a = g(z) = 1 / (1 + e^-z), elementwise.</summary>
internal static class Sigmoid
{
    /// <summary>a[i] = 1 / (1 + e^-z[i]); <paramref name="a"/> may be <paramref name="z"/> itself (not a shifted overlap).</summary>
    public static void Compute<T>(ReadOnlySpan<T> z, Span<T> a)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, z.Length, nameof(a));
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<Ops512<T>, Vector512<T>, T>(z, a); break;
            case SimdWidth.Vector256: Run<Ops256<T>, Vector256<T>, T>(z, a); break;
            case SimdWidth.Vector128: Run<Ops128<T>, Vector128<T>, T>(z, a); break;
            default: Run<OpsScalar<T>, T, T>(z, a); break;
        }
    }

    private static void Run<TOps, TVec, T>(ReadOnlySpan<T> z, Span<T> a)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = z.Length;
        int w = TOps.Count;
        if (n < w)
        {
            // Shorter than one vector: element by element. For OpsScalar itself that is n == 0, where
            // recursing again would never end.
            if (n > 0)
            {
                Run<OpsScalar<T>, T, T>(z, a);
            }

            return;
        }

        ref readonly T zr = ref MemoryMarshal.GetReference(z);
        ref T ar = ref MemoryMarshal.GetReference(a);

        // The last full vector is computed from the original input before the loop and stored after it,
        // so the overlapping tail is right even when a and z are the same span.
        TVec last = Apply<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in zr), n - w)));
        for (int i = 0; i <= n - w; i += w)
        {
            TOps.Store(Apply<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref Unsafe.AsRef(in zr), i))), ref Unsafe.Add(ref ar, i));
        }

        TOps.Store(last, ref Unsafe.Add(ref ar, n - w));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Apply<TOps, TVec, T>(TVec z)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TVec one = TOps.Create(T.One);
        return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Negate(z))));
    }
}
