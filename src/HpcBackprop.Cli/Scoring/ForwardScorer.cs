using System.Numerics;

namespace HpcBackprop.Cli.Scoring;

/// <summary>
/// Scoring for the commands, on the library's forward-only path (<see cref="BackpropagationWorkspace{T}"/>):
/// the same kernels as training, with the workspace held here so a single-example call allocates nothing.
/// </summary>
internal sealed class ForwardScorer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly BackpropagationWorkspace<T> _workspace;

    public ForwardScorer(NetworkLayout layout) => _workspace = new BackpropagationWorkspace<T>(layout);

    /// <summary>Writes h (K values) for one example: what the latency measurement times.</summary>
    public void Score(ReadOnlySpan<T> parameters, ReadOnlySpan<T> x /* s(1) */, Span<T> outputs /* K */)
        => _workspace.Forward(parameters, x, outputs);

    /// <summary>The output activations h (m x K, row-major) of m examples (m x s(1) features, row-major).</summary>
    public void ScoreAll(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<T> outputs)
        => _workspace.Forward(parameters, features, outputs);

    /// <summary>Predicted classes for m examples (m x s(1) features, row-major).</summary>
    public void Predict(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<int> predictions)
    {
        if (predictions.IsEmpty)
        {
            return;
        }

        _workspace.Predict(parameters, features, predictions);
    }
}
