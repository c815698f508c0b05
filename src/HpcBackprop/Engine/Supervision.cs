using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// What the network is trained to output for m examples: either class labels (one-hot targets,
/// never materialized) or dense m x K targets.
/// </summary>
internal readonly ref struct Supervision<T>
    where T : unmanaged
{
    public Supervision(ReadOnlySpan<int> labels, int outputs)
    {
        Labels = labels;
        Outputs = outputs;
        Count = labels.Length;
        HasLabels = true;
    }

    public Supervision(ReadOnlySpan<T> targets, int outputs)
    {
        Targets = targets;
        Outputs = outputs;
        Count = targets.Length / outputs;
        HasLabels = false;
    }

    /// <summary>Class indices 0..K-1, one per example (when <see cref="HasLabels"/>).</summary>
    public ReadOnlySpan<int> Labels { get; }

    /// <summary>Targets, m x K row-major (when not <see cref="HasLabels"/>).</summary>
    public ReadOnlySpan<T> Targets { get; }

    public bool HasLabels { get; }

    /// <summary>m, the number of examples.</summary>
    public int Count { get; }

    /// <summary>K, the number of outputs.</summary>
    public int Outputs { get; }

    /// <summary>Writes example <paramref name="t"/>'s target vector y(t) (K values) into <paramref name="y"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // into OutputLayer.CostAndError, optimized from its first call
    public void WriteTarget(int t, Span<T> y, T one)
    {
        if (HasLabels)
        {
            // Clear, not Fill(T.Zero): the same +0 bits, through a non-generic routine that is compiled ahead of time,
            // where Fill's generic instantiation starts as tier-0 code (README, "Tiered compilation").
            y.Clear();
            y[Labels[t]] = one;
        }
        else
        {
            Targets.Slice(t * Outputs, Outputs).CopyTo(y);
        }
    }
}
