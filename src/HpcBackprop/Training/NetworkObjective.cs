using System.Numerics;

namespace HpcBackprop.Training;

/// <summary>
/// The regularized cost of a network on a labelled data set as an optimizer objective:
/// <see cref="Backpropagation.CostAndGradient{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{int}, T, Span{T})"/>
/// over all examples, over a mini-batch, or split across threads.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// <para>
/// A batch or a thread's share of b examples is evaluated with lambda b / m: the spec's cost of b examples
/// with that lambda, weighted by b / m, is exactly the share of the full cost J (data term and regularization
/// term alike), so the shares of all threads add up to J and D, and a random batch estimates J and D without bias.
/// </para>
/// <para>
/// The data are not copied: the caller must not change them while the objective is in use. With more than one
/// thread each evaluation goes through <see cref="Parallel.For(int, int, Action{int})"/>, which allocates a little.
/// </para>
/// </remarks>
public sealed class NetworkObjective<T> : IStochasticObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlyMemory<T> _features;
    private readonly ReadOnlyMemory<int> _labels;
    private readonly T _lambda;
    private readonly int _threads;
    private readonly T[] _parameterCopy;     // what the worker threads read (a span cannot cross into a lambda)
    private readonly T[][] _shareGradients;  // one gradient per thread share
    private readonly T[] _shareCosts;
    private T[] _batchFeatures = [];
    private int[] _batchLabels = [];

    /// <summary>Creates the objective.</summary>
    /// <param name="layout">The network layout.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1, m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="threads">How many threads share a full evaluation, at least 1; more threads than m / 64 are not used.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">The lengths do not match the layout, or there are no examples.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range, or <paramref name="lambda"/> or <paramref name="threads"/> is out of range.</exception>
    public NetworkObjective(NetworkLayout layout, ReadOnlyMemory<T> features, ReadOnlyMemory<int> labels, T lambda, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (labels.IsEmpty)
        {
            throw new ArgumentException("Expected at least one example; labels is empty.", nameof(labels));
        }

        if ((long)labels.Length * layout.InputSize != features.Length)
        {
            throw new ArgumentException(
                $"Expected features of m x s(1) = {labels.Length} x {layout.InputSize} elements; got {features.Length}.", nameof(features));
        }

        int k = layout.OutputSize;
        foreach (int label in labels.Span)
        {
            if ((uint)label >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Expected class indices in 0..{k - 1}.");
            }
        }

        if (!T.IsFinite(lambda) || T.IsNegative(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "Expected a finite lambda >= 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Layout = layout;
        _features = features;
        _labels = labels;
        _lambda = lambda;
        _threads = Math.Max(1, Math.Min(threads, labels.Length / 64));
        _parameterCopy = _threads > 1 ? new T[layout.ParameterCount] : [];
        _shareGradients = new T[_threads > 1 ? _threads : 0][];
        for (int i = 0; i < _shareGradients.Length; i++)
        {
            _shareGradients[i] = new T[layout.ParameterCount];
        }

        _shareCosts = new T[_threads];
    }

    /// <summary>The network layout.</summary>
    public NetworkLayout Layout { get; }

    /// <inheritdoc />
    public int Dimension => Layout.ParameterCount;

    /// <inheritdoc />
    public int ExampleCount => _labels.Length;

    /// <summary>The number of threads a full evaluation actually uses.</summary>
    public int Threads => _threads;

    /// <summary>Computes J and D over all m examples.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="gradient">Receives D.</param>
    /// <returns>J.</returns>
    public T Evaluate(ReadOnlySpan<T> parameters, Span<T> gradient)
    {
        if (_threads == 1)
        {
            return Backpropagation.CostAndGradient(Layout, parameters, _features.Span, _labels.Span, _lambda, gradient);
        }

        parameters.CopyTo(_parameterCopy);
        Parallel.For(0, _threads, EvaluateShare);
        T cost = T.Zero;
        gradient.Clear();
        int m = ExampleCount;
        for (int i = 0; i < _threads; i++)
        {
            (int start, int count) = Share(i);
            T weight = T.CreateTruncating((double)count / m);
            cost += weight * _shareCosts[i];
            ReadOnlySpan<T> share = _shareGradients[i];
            for (int j = 0; j < gradient.Length; j++)
            {
                gradient[j] += weight * share[j];
            }
        }

        return cost;
    }

    /// <summary>Computes the batch estimate of J and D: the listed examples, with lambda scaled by b / m.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="examples">Example indices, at least one.</param>
    /// <param name="gradient">Receives the estimate of D.</param>
    /// <returns>The estimate of J.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..m-1.</exception>
    public T Evaluate(ReadOnlySpan<T> parameters, ReadOnlySpan<int> examples, Span<T> gradient)
    {
        int n = Layout.InputSize, b = examples.Length;
        if (_batchLabels.Length < b)
        {
            _batchLabels = new int[b];
            _batchFeatures = new T[b * n];
        }

        ReadOnlySpan<T> features = _features.Span;
        ReadOnlySpan<int> labels = _labels.Span;
        for (int t = 0; t < b; t++)
        {
            int e = examples[t];
            if ((uint)e >= (uint)labels.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(examples), e, $"Expected example indices in 0..{labels.Length - 1}.");
            }

            features.Slice(e * n, n).CopyTo(_batchFeatures.AsSpan(t * n, n));
            _batchLabels[t] = labels[e];
        }

        T lambda = _lambda * T.CreateTruncating((double)b / labels.Length);
        return Backpropagation.CostAndGradient<T>(
            Layout, parameters, _batchFeatures.AsSpan(0, b * n), _batchLabels.AsSpan(0, b), lambda, gradient);
    }

    private (int Start, int Count) Share(int i)
    {
        int m = ExampleCount;
        int start = (int)((long)m * i / _threads), end = (int)((long)m * (i + 1) / _threads);
        return (start, end - start);
    }

    private void EvaluateShare(int i)
    {
        (int start, int count) = Share(i);
        int n = Layout.InputSize;
        T lambda = _lambda * T.CreateTruncating((double)count / ExampleCount);
        _shareCosts[i] = Backpropagation.CostAndGradient<T>(
            Layout, _parameterCopy, _features.Span.Slice(start * n, count * n), _labels.Span.Slice(start, count), lambda, _shareGradients[i]);
    }
}
