using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>Whether every element of a span is finite (neither NaN nor infinite).</summary>
/// <remarks>
/// The engines call it on every pre-activation z: with finite features and activations, z is finite
/// exactly when every weight that produced it is, so one pass over the (short) z vectors replaces a
/// pass over all the weights, and a NaN can never slip into a result silently.
/// </remarks>
internal static class AllFinite
{
    /// <summary>True when no element of <paramref name="values"/> is NaN or infinite.</summary>
    public static bool Check<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SimdPath.Active switch
        {
            SimdWidth.Vector512 => Run<Ops512<T>, Vector512<T>, T>(values),
            SimdWidth.Vector256 => Run<Ops256<T>, Vector256<T>, T>(values),
            SimdWidth.Vector128 => Run<Ops128<T>, Vector128<T>, T>(values),
            _ => Run<OpsScalar<T>, T, T>(values),
        };

    // x - x is 0 for every finite x and NaN for NaN and +-infinity; NaN survives any sum, so one
    // accumulator of differences tells whether all were finite, without a compare per element.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static bool Run<TOps, TVec, T>(ReadOnlySpan<T> values)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int w = TOps.Count;
        TVec acc = TOps.Zero;
        int i = 0;
        for (; i <= n - w; i += w)
        {
            TVec v = TOps.Load(in Unsafe.Add(ref start, i));
            acc = TOps.Add(acc, TOps.Subtract(v, v));
        }

        T tail = T.Zero;
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref start, i);
            tail += v - v;
        }

        return TOps.Sum(acc) + tail == T.Zero;
    }
}
