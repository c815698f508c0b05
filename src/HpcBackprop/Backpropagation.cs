using System.Numerics;
using HpcBackprop.Engine;

namespace HpcBackprop;

/// <summary>
/// The cost J and its gradient D of a fully connected sigmoid network with the cross-entropy cost
/// and L2 regularization, by backpropagation (see the project's spec, docs/spec.md).
/// </summary>
/// <remarks>
/// Matrices are row-major; the parameters and the gradient are flat vectors laid out as
/// <see cref="NetworkLayout"/> describes (Theta(1) first). Every argument is checked before anything is
/// written: bad input throws an <see cref="ArgumentException"/> (or <see cref="ArgumentOutOfRangeException"/>)
/// whose <see cref="ArgumentException.ParamName"/> names the argument, and leaves <c>gradient</c> unchanged.
/// The cross-entropy terms are computed stably from z (log h = -softplus(-z), log(1 - h) = -softplus(z)),
/// so a saturated output gives a finite, correct J where the literal log(1 - h) would be -infinity.
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
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, or an input is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda,
        Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckLabels(layout, labels);
        InputValidation.CheckNetworkInput<T>(layout, parameters.Length, features.Length, m);
        InputValidation.CheckLambda(lambda);
        InputValidation.CheckGradient(layout, gradient.Length);
        return Run(layout, parameters, features, new Supervision<T>(labels, layout.OutputSize), lambda, gradient);
    }

    /// <summary>
    /// Computes J and writes D for m examples given by dense targets y(t) (any values in [0, 1]).
    /// </summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="layout">The network's layer sizes s(1)..s(L).</param>
    /// <param name="parameters">All Theta(l), flat, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <param name="features">X, m x s(1) row-major: one example per row, no bias column.</param>
    /// <param name="targets">Y, m x K row-major, values in [0, 1]; m is its length divided by K, at least 1.</param>
    /// <param name="lambda">The regularization strength, finite and &gt;= 0.</param>
    /// <param name="gradient">Receives D, <see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <returns>The cost J.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="targets"/> is empty, or an input is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is outside [0, 1], or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T CostAndGradient<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<T> targets,
        T lambda,
        Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckTargets(layout, targets);
        InputValidation.CheckNetworkInput<T>(layout, parameters.Length, features.Length, m);
        InputValidation.CheckLambda(lambda);
        InputValidation.CheckGradient(layout, gradient.Length);
        return Run(layout, parameters, features, new Supervision<T>(targets, layout.OutputSize), lambda, gradient);
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
    /// <exception cref="ArgumentException">A span has the wrong length, <paramref name="labels"/> is empty, or an input is NaN or infinite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside 0..K-1, or <paramref name="lambda"/> is negative, NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T Cost<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        ReadOnlySpan<int> labels,
        T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = InputValidation.CheckLabels(layout, labels);
        InputValidation.CheckNetworkInput<T>(layout, parameters.Length, features.Length, m);
        InputValidation.CheckLambda(lambda);
        return Run(layout, parameters, features, new Supervision<T>(labels, layout.OutputSize), lambda, Span<T>.Empty);
    }

    private static T Run<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> features,
        Supervision<T> y,
        T lambda,
        Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ws = new Workspace<T>(layout, blockSize: 1);
        return PerExampleEngine.CostAndGradient(ws, parameters, features, y, lambda, gradient);
    }
}
