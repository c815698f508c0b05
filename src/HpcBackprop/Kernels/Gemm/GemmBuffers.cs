using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The packing buffers of one thread, kept between calls so a warm GEMM allocates nothing: the packed
/// A block (MC x KC, KC the product's depth: <see cref="GemmBlocking.ForDepth"/>), the packed B panel (KC x NC, or the k x NR sliver of GemmDriver.RunOneSliver, at most
/// 256 KiB), one packed edge sliver of B for the no-pack path,
/// and the MR x NR scratch tile for edge tiles. Each is a pinned array grown on demand and handed out
/// from its first 64-byte boundary, so packed slivers start on a cache line.
/// </summary>
/// <remarks>
/// One instance per thread (and per element type) makes the buffers safe for the multi-threaded
/// driver without locks: a worker packs into its own buffers only. <see cref="Aligned"/> also serves
/// buffers that several threads read (ParallelGemm's shared op(A) and op(B), the batched workspace's packed Thetas):
/// growing one is not thread-safe, so one thread sizes it before the others read it.
/// </remarks>
internal sealed class GemmBuffers<T>
    where T : unmanaged
{
    private const int Alignment = 64;

    [ThreadStatic]
    private static GemmBuffers<T>? t_current;

    private T[] _packedA = [];
    private T[] _packedB = [];
    private T[] _edgeB = [];
    private T[] _tile = [];

    /// <summary>This thread's buffers.</summary>
    public static GemmBuffers<T> ForCurrentThread => t_current ??= new GemmBuffers<T>();

    public Span<T> PackedA(int length) => Aligned(ref _packedA, length);

    public Span<T> PackedB(int length) => Aligned(ref _packedB, length);

    public Span<T> EdgeB(int length) => Aligned(ref _edgeB, length);

    public Span<T> Tile(int length) => Aligned(ref _tile, length);

    /// <summary>
    /// The first <paramref name="length"/> elements from the first 64-byte boundary of <paramref name="array"/>,
    /// which is replaced by a larger pinned array when it is too short (so a warm caller allocates nothing).
    /// </summary>
    internal static unsafe Span<T> Aligned(ref T[] array, int length)
    {
        int padding = Alignment / sizeof(T);
        if (array.Length < length + padding)
        {
            // Pinned, so the address (and the offset to the boundary below) never changes.
            array = GC.AllocateUninitializedArray<T>(length + padding, pinned: true);
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T);
        return array.AsSpan(offset, length);
    }
}
