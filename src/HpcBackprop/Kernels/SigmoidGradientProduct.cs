using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>d = e .* a .* (1 - a): the error term times g'(z), with g'(z) taken from a = g(z).</summary>
internal static class SigmoidGradientProduct
{
    /// <summary>d[i] = e[i] a[i] (1 - a[i]); <paramref name="d"/> may be <paramref name="e"/> itself (not a shifted overlap).</summary>
    public static void Compute<T>(ReadOnlySpan<T> e, ReadOnlySpan<T> a, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(a.Length, e.Length, nameof(a));
        KernelArguments.CheckLength(d.Length, e.Length, nameof(d));
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<Ops512<T>, Vector512<T>, T>(e, a, d); break;
            case SimdWidth.Vector256: Run<Ops256<T>, Vector256<T>, T>(e, a, d); break;
            case SimdWidth.Vector128: Run<Ops128<T>, Vector128<T>, T>(e, a, d); break;
            default: Run<OpsScalar<T>, T, T>(e, a, d); break;
        }
    }

    private static void Run<TOps, TVec, T>(ReadOnlySpan<T> e, ReadOnlySpan<T> a, Span<T> d)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = e.Length;
        int w = TOps.Count;
        if (n < w)
        {
            // Shorter than one vector: element by element. For OpsScalar itself that is n == 0, where
            // recursing again would never end.
            if (n > 0)
            {
                Run<OpsScalar<T>, T, T>(e, a, d);
            }

            return;
        }

        ref T er = ref MemoryMarshal.GetReference(e);
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T dr = ref MemoryMarshal.GetReference(d);

        // The last full vector is computed from the original input before the loop and stored after it,
        // so the overlapping tail is right even when d and e are the same span.
        TVec last = Apply<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref er, n - w)), TOps.Load(in Unsafe.Add(ref ar, n - w)));
        for (int i = 0; i <= n - w; i += w)
        {
            TOps.Store(Apply<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref er, i)), TOps.Load(in Unsafe.Add(ref ar, i))), ref Unsafe.Add(ref dr, i));
        }

        TOps.Store(last, ref Unsafe.Add(ref dr, n - w));
    }

    // Evaluated as (e a)(1 - a), the order of the scalar definition, so every path rounds alike.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Apply<TOps, TVec, T>(TVec e, TVec a)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => TOps.Multiply(TOps.Multiply(e, a), TOps.Subtract(TOps.Create(T.One), a));
}
