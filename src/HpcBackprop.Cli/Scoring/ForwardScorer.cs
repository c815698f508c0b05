using System.Numerics;

namespace HpcBackprop.Cli.Scoring;

// TODO(lead): switch to library forward entry point (Backpropagation.Predict-like, from the engine work);
// this is a temporary plain forward pass so the command line can score before that lands.

/// <summary>
/// The spec's forward pass for scoring: a(l+1) = g(Theta(l) [1; a(l)]), the predicted class is the arg max of
/// h = a(L). Buffers are allocated once, so scoring one example allocates nothing.
/// </summary>
internal sealed class ForwardScorer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkLayout _layout;
    private readonly T[] _current;
    private readonly T[] _next;
    private readonly T[] _outputs;

    public ForwardScorer(NetworkLayout layout)
    {
        _layout = layout;
        _current = new T[layout.MaxLayerSize];
        _next = new T[layout.MaxLayerSize];
        _outputs = new T[layout.OutputSize];
    }

    /// <summary>Writes h (K values) for one example and returns the predicted class.</summary>
    public int Score(ReadOnlySpan<T> parameters, ReadOnlySpan<T> x /* s(1) */, Span<T> outputs /* K */)
    {
        ReadOnlySpan<T> a = x;
        for (int l = 0; l < _layout.ThetaCount; l++)
        {
            int rows = _layout.ThetaRows(l), columns = _layout.ThetaColumns(l);
            ReadOnlySpan<T> theta = parameters.Slice(_layout.ThetaOffset(l), rows * columns);
            Span<T> z = (l % 2 == 0 ? _next : _current).AsSpan(0, rows);
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<T> row = theta.Slice(i * columns, columns);
                T sum = row[0];
                for (int j = 1; j < columns; j++)
                {
                    sum += row[j] * a[j - 1];
                }

                z[i] = T.One / (T.One + T.Exp(-sum));
            }

            a = z;
        }

        a.CopyTo(outputs);
        int best = 0;
        for (int k = 1; k < a.Length; k++)
        {
            if (a[k] > a[best])
            {
                best = k;
            }
        }

        return best;
    }

    /// <summary>Predicted classes for m examples (m x s(1) features, row-major).</summary>
    public void Predict(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<int> predictions)
    {
        int n = _layout.InputSize;
        for (int t = 0; t < predictions.Length; t++)
        {
            predictions[t] = Score(parameters, features.Slice(t * n, n), _outputs);
        }
    }
}
