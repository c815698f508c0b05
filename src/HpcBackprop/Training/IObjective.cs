using System.Numerics;

namespace HpcBackprop.Training;

/// <summary>A differentiable function of a flat parameter vector: what a full-batch optimizer minimizes.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The length n of the parameter vector.</summary>
    int Dimension { get; }

    /// <summary>Computes the value f(x) and writes the gradient of f at x.</summary>
    /// <param name="parameters">x, <see cref="Dimension"/> elements.</param>
    /// <param name="gradient">Receives the gradient, <see cref="Dimension"/> elements.</param>
    /// <returns>f(x).</returns>
    T Evaluate(ReadOnlySpan<T> parameters, Span<T> gradient);
}

/// <summary>
/// An objective that is a mean over examples, so it can also be evaluated on a subset (a mini-batch):
/// what the mini-batch optimizers (<see cref="MomentumGradientDescent{T}"/>, <see cref="Adam{T}"/>) minimize.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IStochasticObjective<T> : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of examples m the full objective averages over.</summary>
    int ExampleCount { get; }

    /// <summary>
    /// Computes an estimate of f(x) and of its gradient from the listed examples only, scaled so that
    /// its expectation over random batches is the full objective (regularization included).
    /// </summary>
    /// <param name="parameters">x, <see cref="IObjective{T}.Dimension"/> elements.</param>
    /// <param name="examples">Indices of the examples in 0..<see cref="ExampleCount"/>-1, at least one.</param>
    /// <param name="gradient">Receives the gradient estimate, <see cref="IObjective{T}.Dimension"/> elements.</param>
    /// <returns>The batch estimate of f(x).</returns>
    T Evaluate(ReadOnlySpan<T> parameters, ReadOnlySpan<int> examples, Span<T> gradient);
}
