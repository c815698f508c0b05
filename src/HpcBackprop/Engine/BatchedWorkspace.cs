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

    private readonly T[] _activations;  // layers 2..L: rowBlock x s(l) each
    private readonly T[] _errors;       // layers 2..L: rowBlock x s(l) each
    private readonly int[] _layerOffsets;
    private readonly T[] _biases;       // Theta(l)[:,0] for every l, one after another
    private readonly int[] _biasOffsets;
    private readonly T[] _outputZ;      // rowBlock x K
    private readonly T[] _targets;      // rowBlock x K
    private readonly T[] _delta;        // ParameterCount
    private readonly T[] _columnSums;   // max s(l): the bias column of Delta(l) being summed

    /// <param name="layout">The network.</param>
    /// <param name="rowBlock">Examples per pass of the three products, at least 1.</param>
    public BatchedWorkspace(NetworkLayout layout, int rowBlock = DefaultRowBlock)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowBlock, 1);
        Layout = layout;
        RowBlock = rowBlock;
        _layerOffsets = new int[layout.LayerCount + 1];
        int total = 0;
        for (int l = 1; l < layout.LayerCount; l++)
        {
            _layerOffsets[l] = total;
            total += rowBlock * layout.LayerSize(l);
        }

        _layerOffsets[layout.LayerCount] = total;
        _activations = new T[total];
        _errors = new T[total];
        _biasOffsets = new int[layout.ThetaCount + 1];
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            _biasOffsets[l + 1] = _biasOffsets[l] + layout.ThetaRows(l);
        }

        _biases = new T[_biasOffsets[^1]];
        _outputZ = new T[rowBlock * layout.OutputSize];
        _targets = new T[rowBlock * layout.OutputSize];
        _delta = new T[layout.ParameterCount];
        _columnSums = new T[layout.MaxLayerSize];
        Gemm = new ParallelGemm<T>();
    }

    public NetworkLayout Layout { get; }

    public static BatchedWorkspace<T> Create(NetworkLayout layout) => new(layout);

    /// <summary>How many examples one pass of the products serves.</summary>
    public int RowBlock { get; }

    /// <summary>A(layer + 1) without its ones column, <paramref name="count"/> x s(layer + 1); layer 1..L-1 (0-based).</summary>
    public Span<T> Activations(int layer, int count)
        => _activations.AsSpan(_layerOffsets[layer], count * Layout.LayerSize(layer));

    /// <summary>D(layer + 1), <paramref name="count"/> x s(layer + 1); layer 1..L-1 (0-based).</summary>
    public Span<T> Errors(int layer, int count)
        => _errors.AsSpan(_layerOffsets[layer], count * Layout.LayerSize(layer));

    /// <summary>Theta(index + 1)[:,0], s(index + 2) values, contiguous.</summary>
    public Span<T> Bias(int index) => _biases.AsSpan(_biasOffsets[index], _biasOffsets[index + 1] - _biasOffsets[index]);

    public Span<T> OutputZ(int count) => _outputZ.AsSpan(0, count * Layout.OutputSize);

    public Span<T> Targets(int count) => _targets.AsSpan(0, count * Layout.OutputSize);

    public Span<T> Delta => _delta;

    /// <summary>The reusable work item that splits this workspace's products among threads.</summary>
    public ParallelGemm<T> Gemm { get; }

    /// <summary>Room for one layer's column sums of D, contiguous.</summary>
    public Span<T> ColumnSums => _columnSums;
}
