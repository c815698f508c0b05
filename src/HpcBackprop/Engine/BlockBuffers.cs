using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// The per-row-block buffers of the batched engine: the stacked activations A(l) and error terms D(l) of
/// layers 2..L (row block x s(l) each, no bias column: it is never materialized), Z(L), the targets and
/// room for one layer's column sums. One set serves one thread at a time; the row-block-parallel mode keeps
/// one per thread (<see cref="ForCurrentThread"/>), grown on demand and reused, so a warm call allocates nothing.
/// The arrays are pinned (allocated on the pinned object heap), as the engine's split products keep pointers to them.
/// </summary>
internal sealed class BlockBuffers<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic]
    private static BlockBuffers<T>? t_current;

    private T[] _activations = [];   // layers 2..L: rowBlock x s(l) each
    private T[] _errors = [];        // layers 2..L: rowBlock x s(l) each
    private T[] _outputZ = [];       // rowBlock x K
    private T[] _targets = [];       // rowBlock x K
    private T[] _columnSums = [];    // max s(l)
    private int[] _layerOffsets = [];
    private NetworkLayout? _layout;

    /// <summary>This thread's set (for the row-block-parallel mode's workers).</summary>
    public static BlockBuffers<T> ForCurrentThread => t_current ??= new BlockBuffers<T>();

    /// <summary>Sizes the buffers for <paramref name="layout"/> and up to <paramref name="rowBlock"/> rows; allocates only to grow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public BlockBuffers<T> Prepare(NetworkLayout layout, int rowBlock)
    {
        if (ReferenceEquals(layout, _layout) && rowBlock <= RowBlock)
        {
            return this;
        }

        if (_layerOffsets.Length < layout.LayerCount + 1)
        {
            _layerOffsets = new int[layout.LayerCount + 1];
        }

        int total = 0;
        for (int l = 1; l < layout.LayerCount; l++)
        {
            _layerOffsets[l] = total;
            total += rowBlock * layout.LayerSize(l);
        }

        Grow(ref _activations, total);
        Grow(ref _errors, total);
        Grow(ref _outputZ, rowBlock * layout.OutputSize);
        Grow(ref _targets, rowBlock * layout.OutputSize);
        Grow(ref _columnSums, layout.MaxLayerSize);
        _layout = layout;
        RowBlock = rowBlock;
        return this;
    }

    /// <summary>The most rows the buffers hold.</summary>
    public int RowBlock { get; private set; }

    /// <summary>The bytes of the arrays held, for the pool's budget.</summary>
    public long Bytes => ((long)_activations.Length + _errors.Length + _outputZ.Length + _targets.Length + _columnSums.Length)
        * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    private NetworkLayout Layout => _layout!;

    /// <summary>A(layer + 1) without its ones column, <paramref name="count"/> x s(layer + 1); layer 1..L-1 (0-based).</summary>
    public Span<T> Activations(int layer, int count)
        => _activations.AsSpan(_layerOffsets[layer], count * Layout.LayerSize(layer));

    /// <summary>D(layer + 1), <paramref name="count"/> x s(layer + 1); layer 1..L-1 (0-based).</summary>
    public Span<T> Errors(int layer, int count)
        => _errors.AsSpan(_layerOffsets[layer], count * Layout.LayerSize(layer));

    /// <summary>Z(L), <paramref name="count"/> x K.</summary>
    public Span<T> OutputZ(int count) => _outputZ.AsSpan(0, count * Layout.OutputSize);

    /// <summary>The targets y, <paramref name="count"/> x K.</summary>
    public Span<T> Targets(int count) => _targets.AsSpan(0, count * Layout.OutputSize);

    /// <summary>Room for one layer's column sums of D, contiguous.</summary>
    public Span<T> ColumnSums => _columnSums;

    private static void Grow(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            // Pinned: the Delta products and bias columns of a split call keep pointers to D and A while the team runs them
            // (BatchedEngine.BackwardDeltas); a compacting collection must not move them meanwhile.
            array = GC.AllocateArray<T>(length, pinned: true);
        }
    }
}
