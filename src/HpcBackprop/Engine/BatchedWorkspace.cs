using System.Numerics;
using HpcBackprop.Kernels.Gemm;

namespace HpcBackprop.Engine;

/// <summary>
/// Every buffer the batched engine needs for one layout, precision and row block of examples: the
/// stacked activations A(l) and error terms D(l) of every layer (row block x s(l) each, no bias
/// column: it is never materialized), Z(L), the targets, the bias columns of the Theta(l) gathered
/// contiguously, and the Delta accumulators. Its size depends on the row block, not on m.
/// </summary>
internal sealed class BatchedWorkspace<T> : IPooledWorkspace<BatchedWorkspace<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The default row block: large enough that each packed Theta is reused over many rows (the GEMM's
    /// B panel is packed once per block), small enough that a 1024-wide layer's block of activations
    /// (1 MiB in float) stays within reach of L3.
    /// </summary>
    public const int DefaultRowBlock = 256;

    private readonly T[] _biases;       // Theta(l)[:,0] for every l, one after another
    private readonly int[] _biasOffsets;
    private readonly T[] _delta;        // ParameterCount
    private T[] _partials = [];         // the row-block-parallel mode: one Delta per row block
    private double[] _blockCosts = [];  // and one cost sum per chunk
    private bool[] _blockFinite = [];

    /// <param name="layout">The network.</param>
    /// <param name="rowBlock">Examples per pass of the three products, at least 1.</param>
    public BatchedWorkspace(NetworkLayout layout, int rowBlock = DefaultRowBlock)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBlock, 1);
        Layout = layout;
        RowBlock = rowBlock;
        Buffers = new BlockBuffers<T>().Prepare(layout, rowBlock);
        _biasOffsets = new int[layout.ThetaCount + 1];
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            _biasOffsets[l + 1] = _biasOffsets[l] + layout.ThetaRows(l);
        }

        _biases = new T[_biasOffsets[^1]];
        _delta = new T[layout.ParameterCount];
        Gemm = new ParallelGemm<T>();
        RowBlocks = new RowBlockWork<T>(this);
    }

    public NetworkLayout Layout { get; }

    public static BatchedWorkspace<T> Create(NetworkLayout layout) => new(layout);

    /// <summary>The bytes of the buffers held (the row-block-parallel partial Deltas included, once grown), for the pool's budget.</summary>
    public long Bytes => (((long)_biases.Length + _delta.Length + _partials.Length) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
        + Buffers.Bytes;

    /// <summary>How many examples one pass of the products serves.</summary>
    public int RowBlock { get; }

    /// <summary>The calling thread's block buffers.</summary>
    public BlockBuffers<T> Buffers { get; }

    /// <summary>Theta(index + 1)[:,0], s(index + 2) values, contiguous.</summary>
    public Span<T> Bias(int index) => _biases.AsSpan(_biasOffsets[index], _biasOffsets[index + 1] - _biasOffsets[index]);

    public Span<T> Delta => _delta;

    /// <summary>The reusable work item that splits this workspace's products among threads.</summary>
    public ParallelGemm<T> Gemm { get; }

    /// <summary>The reusable work item of the row-block-parallel mode.</summary>
    public RowBlockWork<T> RowBlocks { get; }

    /// <summary>One Delta per row block, <paramref name="blocks"/> x ParameterCount (grown on demand, reused).</summary>
    public Span<T> Partials(int blocks) => Grown(ref _partials, blocks * Layout.ParameterCount);

    /// <summary>One cost sum per chunk, in double.</summary>
    public Span<double> BlockCosts(int blocks) => Grown(ref _blockCosts, blocks);

    /// <summary>Whether each row block's pre-activations were all finite.</summary>
    public Span<bool> BlockFinite(int blocks) => Grown(ref _blockFinite, blocks);

    private static Span<TItem> Grown<TItem>(ref TItem[] array, int length)
    {
        if (array.Length < length)
        {
            array = new TItem[length];
        }

        return array.AsSpan(0, length);
    }
}
