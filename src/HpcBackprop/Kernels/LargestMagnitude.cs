using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>The largest |x| of a span, or NaN when an element is NaN or infinite (0 for an empty span).</summary>
/// <remarks>
/// The engines bound the backward pass's sums with it before they write the gradient (see the engines'
/// BackwardBound). NaN for a non-finite element makes every bound built from the result fail its comparison.
/// </remarks>
internal static class LargestMagnitude
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Of<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => SimdPath.Active switch
        {
            SimdWidth.Vector512 => Run<Ops512<T>, Vector512<T>, T>(values),
            SimdWidth.Vector256 => Run<Ops256<T>, Vector256<T>, T>(values),
            SimdWidth.Vector128 => Run<Ops128<T>, Vector128<T>, T>(values),
            _ => Run<OpsScalar<T>, T, T>(values),
        };

    // The maximum of |x| per lane, and beside it the sum of x - x (0 for finite x, NaN otherwise):
    // a vector max need not keep a NaN, the sum always does.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T Run<TOps, TVec, T>(ReadOnlySpan<T> values)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int w = TOps.Count;
        // Four independent pairs of accumulators: one pair would wait on the add's latency every vector.
        TVec largest = TOps.Zero, check = TOps.Zero, largest1 = TOps.Zero, check1 = TOps.Zero;
        TVec largest2 = TOps.Zero, check2 = TOps.Zero, largest3 = TOps.Zero, check3 = TOps.Zero;
        int i = 0;
        for (; i <= n - (4 * w); i += 4 * w)
        {
            TVec v0 = TOps.Load(in Unsafe.Add(ref start, i));
            TVec v1 = TOps.Load(in Unsafe.Add(ref start, i + w));
            TVec v2 = TOps.Load(in Unsafe.Add(ref start, i + (2 * w)));
            TVec v3 = TOps.Load(in Unsafe.Add(ref start, i + (3 * w)));
            largest = TOps.Max(largest, TOps.Abs(v0));
            largest1 = TOps.Max(largest1, TOps.Abs(v1));
            largest2 = TOps.Max(largest2, TOps.Abs(v2));
            largest3 = TOps.Max(largest3, TOps.Abs(v3));
            check = TOps.Add(check, TOps.Subtract(v0, v0));
            check1 = TOps.Add(check1, TOps.Subtract(v1, v1));
            check2 = TOps.Add(check2, TOps.Subtract(v2, v2));
            check3 = TOps.Add(check3, TOps.Subtract(v3, v3));
        }

        for (; i <= n - w; i += w)
        {
            TVec v = TOps.Load(in Unsafe.Add(ref start, i));
            largest = TOps.Max(largest, TOps.Abs(v));
            check = TOps.Add(check, TOps.Subtract(v, v));
        }

        largest = TOps.Max(TOps.Max(largest, largest1), TOps.Max(largest2, largest3));
        check = TOps.Add(TOps.Add(check, check1), TOps.Add(check2, check3));

        T result = T.Zero, tail = T.Zero;
        for (; i < n; i++)
        {
            T v = Unsafe.Add(ref start, i);
            result = T.Max(result, T.Abs(v));
            tail += v - v;
        }

        if (TOps.Sum(check) + tail != T.Zero)
        {
            return T.NaN;
        }

        Span<T> lanes = stackalloc T[w];
        TOps.Store(largest, ref MemoryMarshal.GetReference(lanes));
        foreach (T lane in lanes)
        {
            result = T.Max(result, lane);
        }

        return result;
    }
}
