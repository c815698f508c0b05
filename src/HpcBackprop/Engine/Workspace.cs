using System.Numerics;

namespace HpcBackprop.Engine;

/// <summary>
/// Every buffer one gradient evaluation needs for one layout, precision and block of examples:
/// activations, pre-activations of the output layer, targets, error terms and the Delta
/// accumulators. One arena per role, views into it by layer.
/// </summary>
internal sealed class Workspace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _activations;  // layers 2..L: block x s(l) each
    private readonly int[] _activationOffsets;
    private readonly T[] _errors;       // layers 2..L: block x s(l) each (d(l))
    private readonly T[] _scratch;      // block x max s(l): the transposed products
    private readonly T[] _outputZ;      // block x K: z(L)
    private readonly T[] _targets;      // block x K: y
    private readonly T[] _delta;        // ParameterCount: the accumulators, laid out like the parameters

    public Workspace(NetworkLayout layout, int blockSize)
    {
        Layout = layout;
        BlockSize = blockSize;
        _activationOffsets = new int[layout.LayerCount + 1];
        int total = 0;
        for (int l = 1; l < layout.LayerCount; l++)
        {
            _activationOffsets[l] = total;
            total += blockSize * layout.LayerSize(l);
        }

        _activationOffsets[layout.LayerCount] = total;
        _activations = new T[total];
        _errors = new T[total];
        _scratch = new T[blockSize * layout.MaxLayerSize];
        _outputZ = new T[blockSize * layout.OutputSize];
        _targets = new T[blockSize * layout.OutputSize];
        _delta = new T[layout.ParameterCount];
    }

    public NetworkLayout Layout { get; }

    /// <summary>How many examples one pass over the weights serves.</summary>
    public int BlockSize { get; }

    /// <summary>a(layer + 1) for <paramref name="count"/> examples, layer 1..L-1 (0-based; the input is the features themselves).</summary>
    public Span<T> Activations(int layer, int count)
        => _activations.AsSpan(_activationOffsets[layer], count * Layout.LayerSize(layer));

    /// <summary>d(layer + 1) for <paramref name="count"/> examples, layer 1..L-1 (0-based).</summary>
    public Span<T> Errors(int layer, int count)
        => _errors.AsSpan(_activationOffsets[layer], count * Layout.LayerSize(layer));

    public Span<T> Scratch(int length) => _scratch.AsSpan(0, length);

    public Span<T> OutputZ(int count) => _outputZ.AsSpan(0, count * Layout.OutputSize);

    public Span<T> Targets(int count) => _targets.AsSpan(0, count * Layout.OutputSize);

    public Span<T> Delta => _delta;
}
