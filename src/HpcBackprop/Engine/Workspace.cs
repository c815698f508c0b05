using System.Numerics;

namespace HpcBackprop.Engine;

/// <summary>
/// Every buffer one gradient evaluation needs for one layout, precision and block of examples:
/// activations, pre-activations of the output layer, targets, error terms and the Delta
/// accumulators, in one 64-byte aligned arena with a view per role and layer.
/// </summary>
internal sealed class Workspace<T> : IPooledWorkspace<Workspace<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Examples served per pass over the weights: each weight is loaded once per block, not once per example.</summary>
    /// <remarks>
    /// 8 rather than 4: measured with the harness (float, one thread, thread CPU time, min of 8, the two sizes
    /// side by side in one process, two runs), 400-25-10 m = 5000 took 5.84-6.24 ms against 6.38-6.99, 784-128-10
    /// m = 256 2.11-2.12 against 2.33, and 784-256-10 m = 5 to 64 0.57-0.98x the time (m = 1 to 4, one block
    /// either way, unchanged). That needs the last block's outer product unrolled for up to eight examples
    /// (<see cref="Kernels.RegularizedOuterProduct"/>): through its general loop, m = 5 to 7 were 1.4-1.6x slower.
    /// </remarks>
    public const int DefaultBlockSize = 8;

    private readonly AlignedArena<T> _arena;
    private readonly int[] _activationStart;  // per layer 1..L-1 (0-based): block x s(l)
    private readonly int[] _errorStart;       // per layer 1..L-1 (0-based): block x s(l), d(l)
    private readonly int _scratchStart;       // block x max s(l): the transposed products
    private readonly int _outputZStart;       // block x K: z(L)
    private readonly int _targetsStart;       // block x K: y
    private readonly int _deltaStart;         // ParameterCount: the accumulators, laid out like the parameters

    public Workspace(NetworkLayout layout, int blockSize = DefaultBlockSize)
    {
        Layout = layout;
        BlockSize = blockSize;
        int layers = layout.LayerCount;
        int total = 0;
        for (int l = 1; l < layers; l++)
        {
            total += 2 * AlignedArena<T>.Padded(blockSize * layout.LayerSize(l));
        }

        total += AlignedArena<T>.Padded(blockSize * layout.MaxLayerSize);
        total += 2 * AlignedArena<T>.Padded(blockSize * layout.OutputSize);
        total += AlignedArena<T>.Padded(layout.ParameterCount);
        _arena = new AlignedArena<T>(total);

        _activationStart = new int[layers];
        _errorStart = new int[layers];
        for (int l = 1; l < layers; l++)
        {
            _activationStart[l] = _arena.Take(blockSize * layout.LayerSize(l));
            _errorStart[l] = _arena.Take(blockSize * layout.LayerSize(l));
        }

        _scratchStart = _arena.Take(blockSize * layout.MaxLayerSize);
        _outputZStart = _arena.Take(blockSize * layout.OutputSize);
        _targetsStart = _arena.Take(blockSize * layout.OutputSize);
        _deltaStart = _arena.Take(layout.ParameterCount);
    }

    public NetworkLayout Layout { get; }

    public static Workspace<T> Create(NetworkLayout layout) => new(layout);

    /// <summary>The bytes of the buffers held, for the pool's budget.</summary>
    public long Bytes => (long)_arena.Capacity * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    /// <summary>How many examples one pass over the weights serves.</summary>
    public int BlockSize { get; }

    /// <summary>a(layer + 1) for <paramref name="count"/> examples, layer 1..L-1 (0-based; the input is the features themselves).</summary>
    public Span<T> Activations(int layer, int count) => _arena.Span(_activationStart[layer], count * Layout.LayerSize(layer));

    /// <summary>d(layer + 1) for <paramref name="count"/> examples, layer 1..L-1 (0-based).</summary>
    public Span<T> Errors(int layer, int count) => _arena.Span(_errorStart[layer], count * Layout.LayerSize(layer));

    public Span<T> Scratch(int length) => _arena.Span(_scratchStart, length);

    public Span<T> OutputZ(int count) => _arena.Span(_outputZStart, count * Layout.OutputSize);

    public Span<T> Targets(int count) => _arena.Span(_targetsStart, count * Layout.OutputSize);

    public Span<T> Delta => _arena.Span(_deltaStart, Layout.ParameterCount);
}
