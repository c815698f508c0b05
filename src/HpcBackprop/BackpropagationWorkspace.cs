using System.Numerics;
using HpcBackprop.Engine;

namespace HpcBackprop;

/// <summary>
/// The buffers of one layout and precision, held explicitly: for a caller that wants to own its
/// memory rather than use the pool behind <see cref="Backpropagation"/>. Warm calls allocate nothing.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// A workspace serves one call at a time: give each thread its own. The methods compute exactly what
/// the static methods of <see cref="Backpropagation"/> with the same names compute, and check their
/// arguments the same way.
/// </remarks>
public sealed class BackpropagationWorkspace<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly BackpropagationOptions _options;
    private Workspace<T>? _buffers;
    private BatchedWorkspace<T>? _batched; // made on the first call that takes the batched engine
    private bool _disposed;

    /// <summary>Allocates the buffers for <paramref name="layout"/>.</summary>
    /// <param name="layout">The network's layer sizes.</param>
    /// <param name="options">The engine and thread count of the gradient methods; <see cref="BackpropagationOptions.Default"/> when null.
    /// The batched engine's buffers are made by the first call that uses them (a warm-up call).</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options name no engine.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public BackpropagationWorkspace(NetworkLayout layout, BackpropagationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        InputValidation.CheckElementType<T>();
        _options = options ?? BackpropagationOptions.Default;
        EngineDispatch.CheckOptions(_options);
        Layout = layout;
        _buffers = new Workspace<T>(layout);
    }

    /// <summary>The layout the buffers were made for.</summary>
    public NetworkLayout Layout { get; }

    /// <summary>J and D for class labels; see <see cref="Backpropagation.CostAndGradient{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{int}, T, Span{T})"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D; shares no memory with the parameters or features.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public T CostAndGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<int> labels, T lambda, Span<T> gradient)
    {
        Workspace<T> ws = Buffers;
        Supervision<T> y = Backpropagation.Check(Layout, parameters, features, labels, lambda);
        InputValidation.CheckGradient<T>(Layout, gradient, parameters, features);
        return Run(ws, parameters, features, y, lambda, gradient);
    }

    /// <summary>J and D for dense targets; see <see cref="Backpropagation.CostAndGradient{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, T, Span{T})"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1].</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D; shares no memory with the parameters or features.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public T CostAndGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, T lambda, Span<T> gradient)
    {
        Workspace<T> ws = Buffers;
        Supervision<T> y = Backpropagation.Check(Layout, parameters, features, targets, lambda);
        InputValidation.CheckGradient<T>(Layout, gradient, parameters, features);
        return Run(ws, parameters, features, y, lambda, gradient);
    }

    /// <summary>J alone for class labels (no backward pass); see <see cref="Backpropagation.Cost{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{int}, T)"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public T Cost(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<int> labels, T lambda)
    {
        Workspace<T> ws = Buffers;
        Supervision<T> y = Backpropagation.Check(Layout, parameters, features, labels, lambda);
        return Run(ws, parameters, features, y, lambda, Span<T>.Empty);
    }

    /// <summary>J alone for dense targets (no backward pass); see <see cref="Backpropagation.Cost{T}(NetworkLayout, ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, T)"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1].</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public T Cost(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, T lambda)
    {
        Workspace<T> ws = Buffers;
        Supervision<T> y = Backpropagation.Check(Layout, parameters, features, targets, lambda);
        return Run(ws, parameters, features, y, lambda, Span<T>.Empty);
    }

    /// <summary>The output activations h, m x K; see <see cref="Backpropagation.Forward{T}"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="outputs">Receives h, m x K.</param>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public void Forward(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<T> outputs)
    {
        Workspace<T> ws = Buffers;
        int m = InputValidation.CheckFeaturesForScoring<T>(Layout, parameters.Length, features.Length);
        InputValidation.CheckOutputLength(outputs.Length, m, Layout.OutputSize, nameof(outputs));
        InputValidation.CheckOutputsApart<T>(outputs, parameters, features);
        PerExampleEngine.Score(ws, parameters, features, outputs, Span<int>.Empty);
    }

    /// <summary>The predicted class of each example; see <see cref="Backpropagation.Predict{T}"/>.</summary>
    /// <param name="parameters">All Theta(l), flat.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="classes">Receives m class indices.</param>
    /// <exception cref="ObjectDisposedException">The workspace was disposed.</exception>
    /// <exception cref="ArgumentException">As for the static method.</exception>
    /// <exception cref="ArithmeticException">As for the static method.</exception>
    public void Predict(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<int> classes)
    {
        Workspace<T> ws = Buffers;
        int m = InputValidation.CheckFeaturesForScoring<T>(Layout, parameters.Length, features.Length);
        InputValidation.CheckOutputLength(classes.Length, m, 1, nameof(classes));
        PerExampleEngine.Score(ws, parameters, features, Span<T>.Empty, classes);
    }

    /// <summary>Releases the buffers; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _buffers = null;
        _batched = null;
    }

    private Workspace<T> Buffers => _disposed || _buffers is null ? throw new ObjectDisposedException(nameof(BackpropagationWorkspace<T>)) : _buffers;

    private T Run(Workspace<T> ws, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Supervision<T> y, T lambda, Span<T> gradient)
    {
        if (EngineDispatch.UseBatched(_options, Layout, y.Count))
        {
            _batched ??= new BatchedWorkspace<T>(Layout);
            return BatchedEngine.CostAndGradient(_batched, parameters, features, y, lambda, gradient, _options.MaxDegreeOfParallelism);
        }

        return PerExampleEngine.CostAndGradient(ws, parameters, features, y, lambda, gradient);
    }
}
