using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// An elementwise operation on one or two inputs, for every vector width (see <see cref="Elementwise"/> and
/// <see cref="Reduction"/>). An instance method on a struct, so an operation can carry scalars (inlined, free).
/// </summary>
internal interface IElementwiseOperator
{
    /// <summary>The result for one register of each input; a unary operation ignores <paramref name="y"/>.</summary>
    TVec Invoke<TOps, TVec, T>(TVec x, TVec y)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// The one driver of the elementwise kernels (<see cref="Sigmoid"/>, <see cref="SigmoidGradientProduct"/>,
/// <see cref="ScaledSum"/>):
/// destination[i] = op(x[i], y[i]) at the width <see cref="SimdPath.Active"/>. Lengths are checked by the caller.
/// </summary>
internal static class Elementwise
{
    /// <summary>destination[i] = TOp(x[i], y[i]); destination may be x or y itself (not a shifted overlap).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Map<TOp, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where TOp : IElementwiseOperator
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<TOp, Ops512<T>, Vector512<T>, T>(op, x, y, destination); break;
            case SimdWidth.Vector256: Run<TOp, Ops256<T>, Vector256<T>, T>(op, x, y, destination); break;
            case SimdWidth.Vector128: Run<TOp, Ops128<T>, Vector128<T>, T>(op, x, y, destination); break;
            default: Run<TOp, OpsScalar<T>, T, T>(op, x, y, destination); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Run<TOp, TOps, TVec, T>(TOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where TOp : IElementwiseOperator
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        int w = TOps.Count;
        if (n < w)
        {
            // Shorter than one vector: through one vector's worth of stack, so every element takes the vector
            // path whatever the length (a layer's activations must not change with the number of examples in a
            // block, and the scalar instantiation of an operator need not round as the vector one does: a
            // multiply-add may be fused on one path and not the other). The
            // padding lanes compute op(0, 0).
            if (n > 0)
            {
                Span<T> buffer = stackalloc T[3 * w];
                buffer.Clear();
                x.CopyTo(buffer);
                y.CopyTo(buffer[w..]);
                TOps.Store(op.Invoke<TOps, TVec, T>(TOps.Load(in buffer[0]), TOps.Load(in buffer[w])), ref buffer[2 * w]);
                buffer.Slice(2 * w, n).CopyTo(destination);
            }

            return;
        }

        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        ref T dr = ref MemoryMarshal.GetReference(destination);

        // The last full vector is computed from the original inputs before the loop and stored after it,
        // so the overlapping tail is right even when the destination is one of the inputs.
        TVec last = op.Invoke<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref xr, n - w)), TOps.Load(in Unsafe.Add(ref yr, n - w)));
        for (int i = 0; i <= n - w; i += w)
        {
            TOps.Store(op.Invoke<TOps, TVec, T>(TOps.Load(in Unsafe.Add(ref xr, i)), TOps.Load(in Unsafe.Add(ref yr, i))), ref Unsafe.Add(ref dr, i));
        }

        TOps.Store(last, ref Unsafe.Add(ref dr, n - w));
    }
}
