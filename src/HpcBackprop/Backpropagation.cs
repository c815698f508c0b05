using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Engine;

namespace HpcBackprop;

/// <summary>
/// The cost J and its gradient D of a fully connected sigmoid network with the cross-entropy cost
/// and L2 regularization, by backpropagation (docs/spec.md), and forward-only scoring.
/// </summary>
/// <remarks>
/// Matrices are row-major; the parameters and the gradient are flat vectors laid out as
/// <see cref="NetworkLayout"/> describes (Theta(1) first). Every argument is checked before anything is
/// written: bad input throws an <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>)
/// whose <see cref="ArgumentException.ParamName"/> names the argument, and leaves the output buffers
/// unchanged. The cross-entropy terms are computed stably from z (log h = -softplus(-z),
/// log(1 - h) = -softplus(z)), so a saturated output gives a finite, correct J where the literal
/// log(1 - h) would be -infinity. These static methods take their buffers from a thread-safe pool and
/// allocate nothing once it is warm. The pool keeps the most recently used workspaces, per precision and
/// engine: always max(16, 4 x cores) of them however large (one per concurrent caller), and beyond that as
/// many as fit 64 MiB of buffers, up to 256: a process that cycles through more layouts than that allocates a
/// workspace again on a miss.
/// <see cref="BackpropagationWorkspace{T}"/> holds buffers explicitly, one per layout and thread.
/// </remarks>
public static class Backpropagation
{
    /// <summary>
    /// Computes J and writes D for m examples given by class labels:
    /// y(t) is the one-hot vector of <paramref name="labels"/>[t].
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major: one example per row, no bias column.</param>
    /// <param name="labels">m class indices in 0..K-1; m is its length, at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements, sharing no memory with the parameters or features.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, a parameter or feature is NaN or infinite, or <paramref name="gradient"/> overlaps <paramref name="parameters"/> or <paramref name="features"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass or J overflows <typeparamref name="T"/>, or the backward pass's sums could (the gradient is then left as it was).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda,
        Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
        => CostAndGradient(layout, parameters, features, labels, lambda, gradient, BackpropagationOptions.Default);

    /// <summary>
    /// Computes J and writes D for m examples given by dense targets y(t) (any values in [0, 1]).
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major: one example per row, no bias column.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1]; m is its length divided by K, at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements, sharing no memory with the parameters or features.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="targets"/> is empty, a parameter or feature is NaN or infinite, or <paramref name="gradient"/> overlaps <paramref name="parameters"/> or <paramref name="features"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass or J overflows <typeparamref name="T"/>, or the backward pass's sums could (the gradient is then left as it was).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets,
        T lambda,
        Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
        => CostAndGradient(layout, parameters, features, targets, lambda, gradient, BackpropagationOptions.Default);

    /// <summary>
    /// Computes J and writes D for m examples given by class labels, on the engine and with the thread
    /// count that <paramref name="options"/> choose. Every engine gives the same numbers within rounding;
    /// the batched engine's result is bitwise the same for every thread count.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major: one example per row, no bias column.</param>
    /// <param name="labels">m class indices in 0..K-1; m is its length, at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements, sharing no memory with the parameters or features.</param>
    /// <param name="options">The engine and the maximum degree of parallelism.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, a parameter or feature is NaN or infinite, or <paramref name="gradient"/> overlaps <paramref name="parameters"/> or <paramref name="features"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, <paramref name="lambda"/> is negative, NaN or infinite, or the options name no engine.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass or J overflows <typeparamref name="T"/>, or the backward pass's sums could (the gradient is then left as it was).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda,
        Span<T> gradient,
        BackpropagationOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EngineDispatch.CheckOptions(options);
        Supervision<T> y = Check(layout, parameters, features, labels, lambda);
        InputValidation.CheckGradient<T>(layout, gradient, parameters, features);
        return EngineDispatch.CostAndGradient(layout, options, parameters, features, y, lambda, gradient);
    }

    /// <summary>
    /// Computes J and writes D for m examples given by dense targets, on the engine and with the thread
    /// count that <paramref name="options"/> choose.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major: one example per row, no bias column.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1]; m is its length divided by K, at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements, sharing no memory with the parameters or features.</param>
    /// <param name="options">The engine and the maximum degree of parallelism.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="targets"/> is empty, a parameter or feature is NaN or infinite, or <paramref name="gradient"/> overlaps <paramref name="parameters"/> or <paramref name="features"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], <paramref name="lambda"/> is negative, NaN or infinite, or the options name no engine.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass or J overflows <typeparamref name="T"/>, or the backward pass's sums could (the gradient is then left as it was).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets,
        T lambda,
        Span<T> gradient,
        BackpropagationOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EngineDispatch.CheckOptions(options);
        Supervision<T> y = Check(layout, parameters, features, targets, lambda);
        InputValidation.CheckGradient<T>(layout, gradient, parameters, features);
        return EngineDispatch.CostAndGradient(layout, options, parameters, features, y, lambda, gradient);
    }

    /// <summary>Computes the cost J alone (no backward pass) for m examples given by class labels.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1, m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, or a parameter or feature is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Cost<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Cost(layout, parameters, features, labels, lambda, BackpropagationOptions.Default);

    /// <summary>Computes the cost J alone (no backward pass) for m examples given by class labels, with <paramref name="options"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="labels">m class indices in 0..K-1, m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="options">The engine and the most threads to use.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, or a parameter or feature is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, <paramref name="lambda"/> is negative, NaN or infinite, or an option is out of range.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Cost<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda,
        BackpropagationOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EngineDispatch.CheckOptions(options);
        Supervision<T> y = Check(layout, parameters, features, labels, lambda);
        return EngineDispatch.CostAndGradient(layout, options, parameters, features, y, lambda, Span<T>.Empty);
    }

    /// <summary>Computes the cost J alone (no backward pass) for m examples given by dense targets y(t) (any values in [0, 1]).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major, every value in [0, 1], m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or is empty, or a parameter or feature is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Cost<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets,
        T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Cost(layout, parameters, features, targets, lambda, BackpropagationOptions.Default);

    /// <summary>Computes the cost J alone (no backward pass) for m examples given by dense targets, with <paramref name="options"/>.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major.</param>
    /// <param name="targets">Y, m x K row-major, every value in [0, 1], m at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="options">The engine and the most threads to use.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length or is empty, or a parameter or feature is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], <paramref name="lambda"/> is negative, NaN or infinite, or an option is out of range.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Cost<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets,
        T lambda,
        BackpropagationOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        EngineDispatch.CheckOptions(options);
        Supervision<T> y = Check(layout, parameters, features, targets, lambda);
        return EngineDispatch.CostAndGradient(layout, options, parameters, features, y, lambda, Span<T>.Empty);
    }

    /// <summary>
    /// Scores m examples: writes the output activations h = a(L), m x K row-major (a forward pass
    /// only, on the same kernels; nothing is allocated once the pool is warm).
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major, m at least 1.</param>
    /// <param name="outputs">Receives h, m x K elements.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, a parameter or feature is NaN or infinite, or <paramref name="outputs"/> overlaps <paramref name="parameters"/> or <paramref name="features"/>.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>; <paramref name="outputs"/> is left as it was.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Forward<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<T> outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckFeaturesForScoring<T>(layout, parameters.Length, features.Length);
        InputValidation.CheckOutputLength(outputs.Length, m, layout.OutputSize, nameof(outputs));
        InputValidation.CheckOutputsApart<T>(outputs, parameters, features);
        Score(layout, parameters, features, outputs, Span<int>.Empty);
    }

    /// <summary>
    /// Classifies m examples: writes the index of the largest output for each (a forward pass only;
    /// nothing is allocated once the pool is warm). The largest output is found from the pre-activations
    /// z(L), whose order is that of h = g(z(L)) but which do not tie where h rounds to 1 (z above about 17
    /// in float); equal z go to the lowest index. With one output unit (K = 1) the index is always 0: for a
    /// binary network, threshold the output of <see cref="Forward{T}"/> instead.
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major, m at least 1.</param>
    /// <param name="classes">Receives m class indices in 0..K-1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, or a parameter or feature is NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    /// <exception cref="ArithmeticException">Every input is finite but the forward pass overflows <typeparamref name="T"/>; <paramref name="classes"/> is left as it was.</exception>
    public static void Predict<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<int> classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckFeaturesForScoring<T>(layout, parameters.Length, features.Length);
        InputValidation.CheckOutputLength(classes.Length, m, 1, nameof(classes));
        Score(layout, parameters, features, Span<T>.Empty, classes);
    }

    internal static Supervision<T> Check<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<int> labels, T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckLabels(layout, labels);
        InputValidation.CheckNetworkInput<T>(layout, parameters.Length, features.Length, m);
        InputValidation.CheckLambda(lambda);
        return new Supervision<T>(labels, layout.OutputSize);
    }

    internal static Supervision<T> Check<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, ReadOnlySpan<T> targets, T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckTargets(layout, targets);
        InputValidation.CheckNetworkInput<T>(layout, parameters.Length, features.Length, m);
        InputValidation.CheckLambda(lambda);
        return new Supervision<T>(targets, layout.OutputSize);
    }

    private static void Score<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Span<T> outputs, Span<int> classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Workspace<T> ws = WorkspacePool<Workspace<T>>.Rent(layout);
        try
        {
            PerExampleEngine.Score(ws, parameters, features, outputs, classes);
        }
        finally
        {
            WorkspacePool<Workspace<T>>.Return(ws);
        }
    }
}
