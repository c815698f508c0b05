using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace HpcBackprop.Kernels;

/// <summary>Software prefetch of data the caller will read soon, where the hardware prefetcher starts too late.</summary>
internal static class Prefetch
{
    private const int LineBytes = 64;

    /// <summary>
    /// Asks for every cache line of <paramref name="data"/> into L2 (prefetcht1), not L1, so the work done
    /// meanwhile keeps its L1. A hint only: no effect on results, and nothing where x86 prefetch is unavailable.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static unsafe void ToL2<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        if (!Sse.IsSupported || data.IsEmpty)
        {
            return;
        }

        byte* start = (byte*)Unsafe.AsPointer(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(data)));
        nint bytes = (nint)data.Length * sizeof(T);
        for (nint offset = 0; offset < bytes; offset += LineBytes)
        {
            Sse.Prefetch1(start + offset);
        }

        Sse.Prefetch1(start + bytes - 1); // the last line, when the data does not start on a line
    }

    /// <summary>
    /// Asks for <paramref name="rows"/> rows of a tile (each <paramref name="rowLength"/> elements, first and last
    /// cache line) into L1 ahead of their use (prefetcht0). The GEMM micro-kernel asks for its C tile before the k
    /// loop, so the loads and stores after it hit L1: C rows are a whole leading dimension apart (4 KiB for a
    /// 1024-wide float layer), and an accumulating tile otherwise waits for six misses. The epilogues ask for the
    /// tiles of their operands the same way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void TileToL1<T>(ref readonly T tile, nint ld, int rows, nint rowLength)
        where T : unmanaged
    {
        if (Sse.IsSupported)
        {
            for (int r = 0; r < rows; r++)
            {
                ref T row = ref Unsafe.Add(ref Unsafe.AsRef(in tile), r * ld);
                Sse.Prefetch0(Unsafe.AsPointer(ref row));
                Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref row, rowLength - 1)));
            }
        }
    }
}
