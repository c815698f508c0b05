using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// The regularized cost of a network on a data set, given by class labels or by dense targets, as an optimizer
/// objective: <see cref="Backpropagation.CostAndGradient{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{int}, T, Span{T})"/>
/// (or its targets overload) over all examples or over a mini-batch, on one thread or several. Targets serve a
/// binary network with one output unit (K = 1, targets 0 and 1), which labels cannot express.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// <para>
/// A batch of b examples is evaluated with lambda b / m: the spec's cost of b examples with that lambda,
/// weighted by b / m, is exactly the batch's share of the full cost J (data term and regularization term
/// alike), so a random batch estimates J and D without bias.
/// </para>
/// <para>
/// The data are not copied: the caller must not change them while the objective is in use. Threads are the
/// batched engine's (<see cref="BackpropagationOptions.MaxDegreeOfParallelism"/>): the result is bitwise the
/// same for every thread count, and a warm evaluation allocates nothing.
/// </para>
/// </remarks>
public sealed class NetworkObjective<T> : IStochasticObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadOnlyMemory<T> _features;
    private readonly ReadOnlyMemory<int> _labels;   // m labels, or empty when the objective has targets
    private readonly ReadOnlyMemory<T> _targets;    // m x K targets, or empty when it has labels
    private readonly T _lambda;
    private readonly BackpropagationOptions _options;
    private T[] _batchFeatures = [];
    private int[] _batchLabels = [];
    private T[] _batchTargets = [];

    /// <summary>Creates the objective.</summary>
    /// <param name="layout">The network layout.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1, m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="threads">How many threads share a full evaluation, at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">The lengths do not match the layout, or there are no examples.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range, or <paramref name="lambda"/> or <paramref name="threads"/> is out of range.</exception>
    public NetworkObjective(NetworkLayout layout, ReadOnlyMemory<T> features, ReadOnlyMemory<int> labels, T lambda, int threads = 1)
        : this(layout, features, labels, ReadOnlyMemory<T>.Empty, Engine.InputValidation.CheckLabels(layout, labels.Span), lambda, threads)
    {
    }

    /// <summary>Creates the objective for dense targets y(t), m x K, each value in [0, 1].</summary>
    /// <param name="layout">The network layout.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1], m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="threads">How many threads share a full evaluation, at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">The lengths do not match the layout, or there are no examples.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], or <paramref name="lambda"/> or <paramref name="threads"/> is out of range.</exception>
    public NetworkObjective(NetworkLayout layout, ReadOnlyMemory<T> features, ReadOnlyMemory<T> targets, T lambda, int threads = 1)
        : this(layout, features, ReadOnlyMemory<int>.Empty, targets, Engine.InputValidation.CheckTargets(layout, targets.Span), lambda, threads)
    {
    }

    // The shared part of both constructors, once the labels or the targets have given m.
    private NetworkObjective(NetworkLayout layout, ReadOnlyMemory<T> features, ReadOnlyMemory<int> labels, ReadOnlyMemory<T> targets, int m, T lambda, int threads)
    {
        if ((long)m * layout.InputSize != features.Length)
        {
            throw new ArgumentException(
                $"Expected features of m x s(1) = {m} x {layout.InputSize} elements; got {features.Length}.", nameof(features));
        }

        Engine.InputValidation.CheckLambda(lambda);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Layout = layout;
        _features = features;
        _labels = labels;
        _targets = targets;
        _lambda = lambda;
        Threads = threads;
        ExampleCount = m;
        _options = new BackpropagationOptions { MaxDegreeOfParallelism = threads };
    }

    /// <summary>The network layout.</summary>
    public NetworkLayout Layout { get; }

    /// <inheritdoc />
    public int Dimension => Layout.ParameterCount;

    /// <inheritdoc />
    public int ExampleCount { get; }

    /// <summary>The most threads one evaluation may use (the batched engine's; its result is the same for every count).</summary>
    public int Threads { get; }

    /// <summary>Computes J and D over all m examples.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="gradient">Receives D.</param>
    /// <returns>J.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public T Evaluate(ReadOnlySpan<T> parameters, Span<T> gradient)
        => _targets.IsEmpty
            ? Backpropagation.CostAndGradient(Layout, parameters, _features.Span, _labels.Span, _lambda, gradient, _options)
            : Backpropagation.CostAndGradient(Layout, parameters, _features.Span, _targets.Span, _lambda, gradient, _options);

    /// <summary>Computes the batch estimate of J and D: the listed examples, with lambda scaled by b / m.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="examples">Example indices, at least one.</param>
    /// <param name="gradient">Receives the estimate of D.</param>
    /// <returns>The estimate of J.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside 0..m-1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public T Evaluate(ReadOnlySpan<T> parameters, ReadOnlySpan<int> examples, Span<T> gradient)
    {
        int n = Layout.InputSize, b = examples.Length;
        if (b == 0)
        {
            throw new ArgumentException("Expected at least one example index; examples is empty.", nameof(examples));
        }

        int k = Layout.OutputSize, m = ExampleCount;
        bool labelled = _targets.IsEmpty;
        if (_batchFeatures.Length < b * n)
        {
            _batchFeatures = new T[b * n];
            _batchLabels = labelled ? new int[b] : [];
            _batchTargets = labelled ? [] : new T[b * k];
        }

        ReadOnlySpan<T> features = _features.Span;
        ReadOnlySpan<int> labels = _labels.Span;
        ReadOnlySpan<T> targets = _targets.Span;
        for (int t = 0; t < b; t++)
        {
            int e = examples[t];
            if ((uint)e >= (uint)m)
            {
                throw new ArgumentOutOfRangeException(nameof(examples), e, $"Expected example indices in 0..{m - 1}.");
            }

            features.Slice(e * n, n).CopyTo(_batchFeatures.AsSpan(t * n, n));
            if (labelled)
            {
                _batchLabels[t] = labels[e];
            }
            else
            {
                targets.Slice(e * k, k).CopyTo(_batchTargets.AsSpan(t * k, k));
            }
        }

        T lambda = _lambda * T.CreateTruncating((double)b / m);
        return labelled
            ? Backpropagation.CostAndGradient<T>(Layout, parameters, _batchFeatures.AsSpan(0, b * n), _batchLabels.AsSpan(0, b), lambda, gradient, _options)
            : Backpropagation.CostAndGradient<T>(Layout, parameters, _batchFeatures.AsSpan(0, b * n), _batchTargets.AsSpan(0, b * k), lambda, gradient, _options);
    }
}
