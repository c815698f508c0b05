using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The packing copy for a source that runs along k (op(B) transposed, op(A) as stored) on AVX: square
/// blocks of 8 floats or 4 doubles are loaded along k, transposed in registers and stored across the
/// sliver, instead of one element at a time with a strided store. Slivers of A (MR = 6 rows) take
/// the same transposes with the missing rows left out: 6 rows by 8 floats or 4 doubles per block.
/// </summary>
internal static class PackTranspose
{
    /// <summary>Whether <see cref="Copy{T}"/> handles slivers of <paramref name="width"/> elements of T here.</summary>
    public static bool Supports<T>(int width)
        => Avx.IsSupported && Simd.SimdPath.Active >= Simd.SimdWidth.Vector256
            && ((typeof(T) == typeof(float) && (width % 8 == 0 || width == 6)) || (typeof(T) == typeof(double) && (width % 4 == 0 || width == 6)));

    /// <summary>
    /// dst[p * width + i] = src[i * across + p] for i &lt; width and p &lt; kc: a full sliver whose source
    /// lines (one per i) are contiguous along k. Returns the number of k steps done (a multiple of the
    /// block); the caller copies the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int Copy<T>(ref T src, nint across, int kc, int width, ref T dst)
        where T : unmanaged
    {
        if (width == 6)
        {
            return typeof(T) == typeof(float)
                ? Copy6x8(ref Unsafe.As<T, float>(ref src), across, kc, ref Unsafe.As<T, float>(ref dst))
                : Copy6x4(ref Unsafe.As<T, double>(ref src), across, kc, ref Unsafe.As<T, double>(ref dst));
        }

        if (typeof(T) == typeof(float))
        {
            return Copy8(ref Unsafe.As<T, float>(ref src), across, kc, width, ref Unsafe.As<T, float>(ref dst));
        }

        return Copy4(ref Unsafe.As<T, double>(ref src), across, kc, width, ref Unsafe.As<T, double>(ref dst));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static int Copy8(ref float src, nint across, int kc, int width, ref float dst)
    {
        int p = 0;
        for (; p <= kc - 8; p += 8)
        {
            for (int g = 0; g < width; g += 8)
            {
                ref float s = ref Unsafe.Add(ref src, (g * across) + p);
                Vector256<float> r0 = Vector256.LoadUnsafe(ref s);
                Vector256<float> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, across));
                Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * across));
                Vector256<float> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * across));
                Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 4 * across));
                Vector256<float> r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 5 * across));
                Vector256<float> r6 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 6 * across));
                Vector256<float> r7 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 7 * across));

                // The classic 8 x 8 transpose: interleave pairs, then quads, then swap 128-bit halves.
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

                ref float d = ref Unsafe.Add(ref dst, (p * width) + g);
                Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
                Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, width));
                Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 2 * width));
                Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 3 * width));
                Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 4 * width));
                Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 5 * width));
                Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 6 * width));
                Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 7 * width));
            }
        }

        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static int Copy4(ref double src, nint across, int kc, int width, ref double dst)
    {
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            for (int g = 0; g < width; g += 4)
            {
                ref double s = ref Unsafe.Add(ref src, (g * across) + p);
                Vector256<double> r0 = Vector256.LoadUnsafe(ref s);
                Vector256<double> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, across));
                Vector256<double> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * across));
                Vector256<double> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * across));
                Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);

                ref double d = ref Unsafe.Add(ref dst, (p * width) + g);
                Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref d);
                Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, width));
                Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 2 * width));
                Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 3 * width));
            }
        }

        return p;
    }

    // A sliver of 6 rows, 8 k steps at a time: the 8 x 8 transpose of Copy8 without rows 6 and 7. Each k
    // step's 6 values are rows 0-3 (a 128-bit half of u) and rows 4-5 (a 64-bit quarter of t4 or t5).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static int Copy6x8(ref float src, nint across, int kc, ref float dst)
    {
        int p = 0;
        for (; p <= kc - 8; p += 8)
        {
            ref float s = ref Unsafe.Add(ref src, p);
            Vector256<float> r0 = Vector256.LoadUnsafe(ref s);
            Vector256<float> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, across));
            Vector256<float> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * across));
            Vector256<float> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * across));
            Vector256<float> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 4 * across));
            Vector256<float> r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 5 * across));
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<double> t4 = Avx.UnpackLow(r4, r5).AsDouble(), t5 = Avx.UnpackHigh(r4, r5).AsDouble();
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);

            ref float d = ref Unsafe.Add(ref dst, p * 6);
            Store6(u0.GetLower(), t4.GetElement(0), ref d);
            Store6(u1.GetLower(), t4.GetElement(1), ref Unsafe.Add(ref d, 6));
            Store6(u2.GetLower(), t5.GetElement(0), ref Unsafe.Add(ref d, 12));
            Store6(u3.GetLower(), t5.GetElement(1), ref Unsafe.Add(ref d, 18));
            Store6(u0.GetUpper(), t4.GetElement(2), ref Unsafe.Add(ref d, 24));
            Store6(u1.GetUpper(), t4.GetElement(3), ref Unsafe.Add(ref d, 30));
            Store6(u2.GetUpper(), t5.GetElement(2), ref Unsafe.Add(ref d, 36));
            Store6(u3.GetUpper(), t5.GetElement(3), ref Unsafe.Add(ref d, 42));
        }

        return p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store6(Vector128<float> rows0To3, double rows4And5, ref float d)
    {
        rows0To3.StoreUnsafe(ref d);
        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref d, 4)), rows4And5);
    }

    // A sliver of 6 rows, 4 k steps at a time: the 4 x 4 transpose of Copy4 for rows 0-3, and the pairs of
    // rows 4-5 from one unpack.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static int Copy6x4(ref double src, nint across, int kc, ref double dst)
    {
        int p = 0;
        for (; p <= kc - 4; p += 4)
        {
            ref double s = ref Unsafe.Add(ref src, p);
            Vector256<double> r0 = Vector256.LoadUnsafe(ref s);
            Vector256<double> r1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, across));
            Vector256<double> r2 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 2 * across));
            Vector256<double> r3 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 3 * across));
            Vector256<double> r4 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 4 * across));
            Vector256<double> r5 = Vector256.LoadUnsafe(ref Unsafe.Add(ref s, 5 * across));
            Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<double> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);

            ref double d = ref Unsafe.Add(ref dst, p * 6);
            Avx.Permute2x128(t0, t2, 0x20).StoreUnsafe(ref d);
            t4.GetLower().StoreUnsafe(ref Unsafe.Add(ref d, 4));
            Avx.Permute2x128(t1, t3, 0x20).StoreUnsafe(ref Unsafe.Add(ref d, 6));
            t5.GetLower().StoreUnsafe(ref Unsafe.Add(ref d, 10));
            Avx.Permute2x128(t0, t2, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 12));
            t4.GetUpper().StoreUnsafe(ref Unsafe.Add(ref d, 16));
            Avx.Permute2x128(t1, t3, 0x31).StoreUnsafe(ref Unsafe.Add(ref d, 18));
            t5.GetUpper().StoreUnsafe(ref Unsafe.Add(ref d, 22));
        }

        return p;
    }
}
