using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// One pinned allocation carved into 64-byte aligned regions, one per role (activations, errors,
/// Delta, ...). Aligned starts keep every vector load of a region's rows from splitting a cache line
/// at the region start, and one array per workspace keeps the GC out of the hot path.
/// </summary>
internal sealed class AlignedArena<T>
    where T : unmanaged
{
    private const int Alignment = 64;
    private readonly T[] _memory;
    private readonly int _base;   // first element index whose address is 64-byte aligned
    private int _used;

    public AlignedArena(int capacity)
    {
        int perLine = Alignment / Unsafe.SizeOf<T>();
        _memory = GC.AllocateUninitializedArray<T>(capacity + perLine, pinned: true);
        unsafe
        {
            nint address = (nint)Unsafe.AsPointer(ref _memory[0]);
            _base = (int)((Alignment - (address % Alignment)) % Alignment) / Unsafe.SizeOf<T>();
        }

        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>How many elements to reserve for a region of <paramref name="length"/> so the next starts aligned.</summary>
    public static int Padded(int length)
    {
        int perLine = Alignment / Unsafe.SizeOf<T>();
        return (length + perLine - 1) / perLine * perLine;
    }

    /// <summary>Takes the next aligned region of <paramref name="length"/> elements; returns its start index.</summary>
    public int Take(int length)
    {
        int start = _base + _used;
        _used += Padded(length);
        if (_used > Capacity)
        {
            throw new InvalidOperationException("Arena capacity exceeded: the region sizes were planned wrong.");
        }

        return start;
    }

    public Span<T> Span(int start, int length) => _memory.AsSpan(start, length);
}
