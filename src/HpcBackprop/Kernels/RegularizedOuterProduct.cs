using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels;

/// <summary>
/// One layer's gradient straight from the last block of examples: D = (1/m) (Delta + sum_t d_t [1; a_t]') +
/// (lambda/m) [0, Theta[:, 1:]], with Delta the earlier blocks' accumulator (or none: zero).
/// </summary>
/// <remarks>
/// Adding the last block's outer products to Delta and then reading Delta back for D are two passes over a
/// matrix that, for 784-256-10, does not fit in L2; when all m examples fit in one block, clearing Delta is a
/// third. Here each entry's sum over the block stays in a register and D is written once, from one read of
/// Theta (and of Delta, if given). The sum starts from Delta's entry (or zero) and takes the examples in
/// order, one multiply-add each, and D is formed as <see cref="ScaledSum"/> forms it, so the result is bit for
/// bit that of <see cref="RankOneUpdate"/> into Delta followed by <see cref="ScaledSum"/>.
/// </remarks>
internal static class RegularizedOuterProduct
{
    /// <summary>
    /// gradient, theta and delta (when not empty) are rows x columns row-major; d is count x rows; a is
    /// count x (columns - 1). With delta empty read as zeros: gradient[i, 0] = invM (delta[i, 0] + sum_t d[t, i]);
    /// gradient[i, j + 1] = invM (delta[i, j + 1] + sum_t d[t, i] a[t, j]) + scale theta[i, j + 1].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Compute<T>(
        Span<T> gradient, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count, T invM, T scale, ReadOnlySpan<T> theta,
        ReadOnlySpan<T> delta = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckCount(count, nameof(count));
        if (!delta.IsEmpty)
        {
            KernelArguments.CheckLength(delta.Length, rows * columns, nameof(delta));
        }

        KernelArguments.CheckMatrix(gradient.Length, rows, columns, nameof(gradient));
        KernelArguments.CheckLength(theta.Length, rows * columns, nameof(theta));
        KernelArguments.CheckLength(d.Length, count * rows, nameof(d));
        KernelArguments.CheckLength(a.Length, count * (columns - 1), nameof(a));
        if (delta.IsEmpty)
        {
            Dispatch<T, No>(gradient, rows, columns, d, a, count, invM, scale, theta, delta);
        }
        else
        {
            Dispatch<T, Yes>(gradient, rows, columns, d, a, count, invM, scale, theta, delta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Dispatch<T, TDelta>(
        Span<T> gradient, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count, T invM, T scale, ReadOnlySpan<T> theta, ReadOnlySpan<T> delta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TDelta : IStaticFlag
    {
        switch (SimdPath.Active)
        {
            case SimdWidth.Vector512: Run<Ops512<T>, Vector512<T>, T, TDelta>(gradient, rows, columns, d, a, count, invM, scale, theta, delta); break;
            case SimdWidth.Vector256: Run<Ops256<T>, Vector256<T>, T, TDelta>(gradient, rows, columns, d, a, count, invM, scale, theta, delta); break;
            case SimdWidth.Vector128: Run<Ops128<T>, Vector128<T>, T, TDelta>(gradient, rows, columns, d, a, count, invM, scale, theta, delta); break;
            default: Run<OpsScalar<T>, T, T, TDelta>(gradient, rows, columns, d, a, count, invM, scale, theta, delta); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Run<TOps, TVec, T, TDelta>(
        Span<T> gradient, int rows, int columns, ReadOnlySpan<T> d, ReadOnlySpan<T> a, int count, T invM, T scale, ReadOnlySpan<T> theta, ReadOnlySpan<T> delta)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TDelta : IStaticFlag
    {
        ref T prior = ref MemoryMarshal.GetReference(delta);      // only read when TDelta
        ref T g = ref MemoryMarshal.GetReference(gradient);
        ref T th = ref MemoryMarshal.GetReference(theta);
        ref T ds = ref MemoryMarshal.GetReference(d);
        ref T a0 = ref MemoryMarshal.GetReference(a);
        for (int i = 0; i < rows; i++)
        {
            switch (count)
            {
                case 1: Row<TOps, TVec, T, Count1, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 2: Row<TOps, TVec, T, Count2, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 3: Row<TOps, TVec, T, Count3, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 4: Row<TOps, TVec, T, Count4, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 5: Row<TOps, TVec, T, Count5, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 6: Row<TOps, TVec, T, Count6, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 7: Row<TOps, TVec, T, Count7, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                case 8: Row<TOps, TVec, T, Count8, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
                default: Row<TOps, TVec, T, AnyCount, TDelta>(ref g, ref th, ref prior, rows, columns, ref ds, ref a0, count, i, invM, scale); break;
            }
        }
    }

    // Row i of D. Up to eight examples (the engine's block) have their d[t, i] broadcast once per row and the
    // sum unrolled (TExamples); more take the general loop (AnyCount), in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Row<TOps, TVec, T, TExamples, TDelta>(
        ref T g, ref T th, ref T prior, int rows, int columns, ref T d, ref T a, int count, int i, T invM, T scale)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        where TExamples : IStaticCount
        where TDelta : IStaticFlag
    {
        int n = columns - 1;
        int w = TOps.Count;
        int fixedCount = TExamples.Value;                           // 0 for AnyCount
        ref T pi = ref Unsafe.Add(ref prior, i * columns);          // Delta[i, 0], when TDelta
        T bias = TDelta.Value ? pi : T.Zero;
        pi = ref Unsafe.Add(ref pi, 1);                             // Delta[i, 1]
        for (int t = 0; t < count; t++)
        {
            bias += Unsafe.Add(ref d, (t * rows) + i);              // a(l)[0] = 1
        }

        ref T gi = ref Unsafe.Add(ref g, i * columns);              // D[i, 0]
        ref T ti = ref Unsafe.Add(ref th, (i * columns) + 1);       // Theta[i, 1]
        gi = bias * invM;
        gi = ref Unsafe.Add(ref gi, 1);                             // D[i, 1]
        ref T a1 = ref Unsafe.Add(ref a, Math.Min(1, count - 1) * n), a2 = ref Unsafe.Add(ref a, Math.Min(2, count - 1) * n);
        ref T a3 = ref Unsafe.Add(ref a, Math.Min(3, count - 1) * n), a4 = ref Unsafe.Add(ref a, Math.Min(4, count - 1) * n);
        ref T a5 = ref Unsafe.Add(ref a, Math.Min(5, count - 1) * n), a6 = ref Unsafe.Add(ref a, Math.Min(6, count - 1) * n);
        ref T a7 = ref Unsafe.Add(ref a, Math.Min(7, count - 1) * n);
        TVec d0 = TOps.Create(Unsafe.Add(ref d, i));                // the broadcasts a fixed count uses, once per row
        TVec d1 = fixedCount > 1 ? TOps.Create(Unsafe.Add(ref d, rows + i)) : d0;
        TVec d2 = fixedCount > 2 ? TOps.Create(Unsafe.Add(ref d, (2 * rows) + i)) : d0;
        TVec d3 = fixedCount > 3 ? TOps.Create(Unsafe.Add(ref d, (3 * rows) + i)) : d0;
        TVec d4 = fixedCount > 4 ? TOps.Create(Unsafe.Add(ref d, (4 * rows) + i)) : d0;
        TVec d5 = fixedCount > 5 ? TOps.Create(Unsafe.Add(ref d, (5 * rows) + i)) : d0;
        TVec d6 = fixedCount > 6 ? TOps.Create(Unsafe.Add(ref d, (6 * rows) + i)) : d0;
        TVec d7 = fixedCount > 7 ? TOps.Create(Unsafe.Add(ref d, (7 * rows) + i)) : d0;
        TVec vInvM = TOps.Create(invM), vScale = TOps.Create(scale);
        int j = 0;
        for (; j <= n - w; j += w)
        {
            TVec sum = TDelta.Value ? TOps.Load(in Unsafe.Add(ref pi, j)) : TOps.Zero;
            if (fixedCount == 0)
            {
                for (int t = 0; t < count; t++)
                {
                    sum = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref d, (t * rows) + i)), TOps.Load(in Unsafe.Add(ref a, (t * n) + j)), sum);
                }
            }
            else
            {
                sum = TOps.MultiplyAdd(d0, TOps.Load(in Unsafe.Add(ref a, j)), sum);
                sum = fixedCount > 1 ? TOps.MultiplyAdd(d1, TOps.Load(in Unsafe.Add(ref a1, j)), sum) : sum;
                sum = fixedCount > 2 ? TOps.MultiplyAdd(d2, TOps.Load(in Unsafe.Add(ref a2, j)), sum) : sum;
                sum = fixedCount > 3 ? TOps.MultiplyAdd(d3, TOps.Load(in Unsafe.Add(ref a3, j)), sum) : sum;
                sum = fixedCount > 4 ? TOps.MultiplyAdd(d4, TOps.Load(in Unsafe.Add(ref a4, j)), sum) : sum;
                sum = fixedCount > 5 ? TOps.MultiplyAdd(d5, TOps.Load(in Unsafe.Add(ref a5, j)), sum) : sum;
                sum = fixedCount > 6 ? TOps.MultiplyAdd(d6, TOps.Load(in Unsafe.Add(ref a6, j)), sum) : sum;
                sum = fixedCount > 7 ? TOps.MultiplyAdd(d7, TOps.Load(in Unsafe.Add(ref a7, j)), sum) : sum;
            }

            TOps.Store(TOps.Add(TOps.Multiply(vInvM, sum), TOps.Multiply(vScale, TOps.Load(in Unsafe.Add(ref ti, j)))), ref Unsafe.Add(ref gi, j));
        }

        for (; j < n; j++)
        {
            T sum = TDelta.Value ? Unsafe.Add(ref pi, j) : T.Zero;
            for (int t = 0; t < count; t++)
            {
                sum = OpsScalar<T>.MultiplyAdd(Unsafe.Add(ref d, (t * rows) + i), Unsafe.Add(ref a, (t * n) + j), sum);
            }

            Unsafe.Add(ref gi, j) = (invM * sum) + (scale * Unsafe.Add(ref ti, j));
        }
    }

    /// <summary>Any number of examples: the general loop.</summary>
    private readonly struct AnyCount : IStaticCount
    {
        public static int Value => 0;
    }
}
