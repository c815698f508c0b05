using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// The default row block: large enough that each Theta sliver the kernel holds in L1 is reused over
    /// many rows, small enough that a 1024-wide layer's block of activations (1 MiB in float) stays within
    /// reach of L3. (When m spans several blocks, the forward products' Theta' is packed once per call,
    /// <see cref="PackThetas"/>.)
    /// </summary>
    public const int DefaultRowBlock = 256;

    private readonly T[] _biases;       // Theta(l)[:,0] for every l, one after another
    private readonly int[] _biasOffsets;
    private readonly T[] _delta;        // ParameterCount
    private T[] _partials = [];         // the row-block-parallel mode: one Delta per row block
    private double[] _blockCosts = [];  // and one cost sum per chunk
    private bool[] _blockFinite = [];
    private T[] _packedThetas = [];     // every Theta(l)[:,1:]' packed for the forward products, when m spans several row blocks
    private readonly int[] _packedThetaOffsets;
    private readonly int[] _packedThetaExtents;
    private readonly ParallelGemm<T>[] _deltaGemms;     // one per layer: their products run in one team run
    private readonly BiasColumnWork<T>[] _biasColumns;

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
        _packedThetaOffsets = new int[layout.ThetaCount + 1];
        _packedThetaExtents = new int[layout.ThetaCount];
        Gemm = new ParallelGemm<T>();
        _deltaGemms = new ParallelGemm<T>[layout.ThetaCount];
        _biasColumns = new BiasColumnWork<T>[layout.ThetaCount];
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            _deltaGemms[l] = new ParallelGemm<T>();
            _biasColumns[l] = new BiasColumnWork<T>(layout.ThetaRows(l));
        }

        DeltaSequence = new WorkSequence(2 * layout.ThetaCount);
        Reductions = new InputReductions<T>();
        RowBlocks = new RowBlockWork<T>(this);
    }

    public NetworkLayout Layout { get; }

    public static BatchedWorkspace<T> Create(NetworkLayout layout) => new(layout);

    /// <summary>
    /// The bytes of the buffers held (the row-block-parallel partial Deltas, the packed Thetas and the split
    /// products' shared packing included, once grown), for the pool's budget.
    /// </summary>
    public long Bytes => (((long)_biases.Length + _delta.Length + _partials.Length + _packedThetas.Length) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
        + Buffers.Bytes + Gemm.Bytes + DeltaBytes();

    /// <summary>How many examples one pass of the products serves.</summary>
    public int RowBlock { get; }

    /// <summary>The calling thread's block buffers.</summary>
    public BlockBuffers<T> Buffers { get; }

    /// <summary>Theta(index + 1)[:,0], s(index + 2) values, contiguous.</summary>
    public Span<T> Bias(int index) => _biases.AsSpan(_biasOffsets[index], _biasOffsets[index + 1] - _biasOffsets[index]);

    public Span<T> Delta => _delta;

    /// <summary>The reusable work item that splits this workspace's products among threads.</summary>
    public ParallelGemm<T> Gemm { get; }

    /// <summary>
    /// The work item of layer <paramref name="index"/>'s Delta product when the products are split: one per layer, as the
    /// Delta products of every layer run in one team run (<see cref="DeltaSequence"/>), each with its own shared packing.
    /// </summary>
    public ParallelGemm<T> DeltaGemm(int index) => _deltaGemms[index];

    /// <summary>The bias column of layer <paramref name="index"/>'s Delta or gradient, as an item beside the Delta products.</summary>
    public BiasColumnWork<T> BiasColumn(int index) => _biasColumns[index];

    /// <summary>Every layer's Delta product blocks and bias column, for one team run.</summary>
    public WorkSequence DeltaSequence { get; }

    /// <summary>The last row block's reductions over the inputs, run beside its first product.</summary>
    public InputReductions<T> Reductions { get; }

    /// <summary>The reusable work item of the row-block-parallel mode.</summary>
    public RowBlockWork<T> RowBlocks { get; }

    /// <summary>
    /// Packs every Theta(l)[:,1:]' (the forward products' op(B)) once for a call whose examples span several row
    /// blocks, so each block's forward product reads it packed instead of packing it again (<see cref="ForwardTheta"/>).
    /// The buffer grows on demand and is reused.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void PackThetas(ReadOnlySpan<T> parameters)   // ParameterCount
    {
        NetworkLayout layout = Layout;
        int align = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            int length = Kernels.Gemm.Gemm.PackedLength<T>(layout.LayerSize(l + 1), layout.LayerSize(l), asA: false);
            _packedThetaOffsets[l + 1] = checked(_packedThetaOffsets[l] + ((length + align - 1) / align * align));
        }

        Span<T> buffer = Kernels.Gemm.GemmBuffers<T>.Aligned(ref _packedThetas, _packedThetaOffsets[^1]);
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            Kernels.Gemm.GemmOperand<T> thetaT = ForwardTheta(parameters, l);
            Kernels.Gemm.GemmOperand<T> packed = Kernels.Gemm.Gemm.Pack(in thetaT, asA: false, buffer[_packedThetaOffsets[l].._packedThetaOffsets[l + 1]], ForwardDepth(l));
            _packedThetaExtents[l] = packed.PackedExtent;
        }
    }

    /// <summary>
    /// op(B) of layer <paramref name="index"/>'s forward product, Theta(index)[:,1:]' (s(l) x s(l+1), read in place),
    /// with the packed form <see cref="PackThetas"/> wrote when <paramref name="packed"/>. The packed form is of the
    /// parameters PackThetas was given: the engine asks for it only in a call that has just run PackThetas on the
    /// same parameters (both follow from m &gt; RowBlock).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public Kernels.Gemm.GemmOperand<T> ForwardTheta(ReadOnlySpan<T> parameters, int index, bool packed = false)
    {
        NetworkLayout layout = Layout;
        int s = layout.LayerSize(index), next = layout.LayerSize(index + 1);
        var thetaT = new Kernels.Gemm.GemmOperand<T>(
            parameters.Slice(layout.ThetaOffset(index), layout.ThetaLength(index))[1..], s, next, s + 1, transposed: true);
        return packed
            ? thetaT.WithPacked(Kernels.Gemm.GemmBuffers<T>.Aligned(ref _packedThetas, _packedThetaOffsets[^1])[_packedThetaOffsets[index].._packedThetaOffsets[index + 1]], _packedThetaExtents[index], 0, ForwardDepth(index))
            : thetaT;
    }

    // The k blocks of layer index's forward product A Theta', whose op(A), the activations, is read along its rows
    // (not packed by the stride rules whatever the block): Gemm.Depth of that product. Were it ever otherwise, the
    // product would throw (Gemm.Compute checks a packed operand's depth), not change a bit.
    private int ForwardDepth(int index)
        => Kernels.Gemm.Gemm.Depth<T>(Layout.LayerSize(index), packsBothAnyway: false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private long DeltaBytes()
    {
        long bytes = 0;
        for (int l = 0; l < _deltaGemms.Length; l++)
        {
            bytes += _deltaGemms[l].Bytes + _biasColumns[l].Bytes;
        }

        return bytes;
    }

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
