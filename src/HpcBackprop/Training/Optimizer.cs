using System.Diagnostics;
using System.Numerics;

namespace HpcBackprop.Training;

/// <summary>
/// Minimizes an objective over a flat parameter vector, in place. Settings are init-only properties;
/// buffers are allocated on the first call for a given dimension and reused afterwards, so iterations
/// allocate nothing (as long as the objective and the progress callback allocate nothing).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>An optimizer instance keeps state between iterations and is not thread-safe; use one per thread.</remarks>
public abstract class Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private int _maxIterations = 100;
    private double _gradientTolerance;
    private double _costTolerance;

    /// <summary>The iteration budget (line searches, or epochs for mini-batch optimizers), at least 1. Default 100.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxIterations
    {
        get => _maxIterations;
        init => _maxIterations = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, "Expected at least 1 iteration.");
    }

    /// <summary>Stop when the Euclidean norm of the gradient is at most this (full-batch optimizers only). Default 0: never.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    public double GradientTolerance
    {
        get => _gradientTolerance;
        init => _gradientTolerance = CheckTolerance(value, nameof(GradientTolerance));
    }

    /// <summary>
    /// Stop when one iteration lowers the cost by at most this times max(1, |cost|). Default 0: never.
    /// The mini-batch optimizers compare the mean batch costs of consecutive epochs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    public double CostTolerance
    {
        get => _costTolerance;
        init => _costTolerance = CheckTolerance(value, nameof(CostTolerance));
    }

    /// <summary>Called after every iteration, on the calling thread. Keep it cheap: it runs inside the optimization loop.</summary>
    public Action<OptimizationProgress>? Progress { get; init; }

    /// <summary>Minimizes <paramref name="objective"/> starting from, and overwriting, <paramref name="parameters"/>.</summary>
    /// <param name="objective">The function to minimize; mini-batch optimizers need an <see cref="IStochasticObjective{T}"/>.</param>
    /// <param name="parameters">The starting point on entry; on return, the best point found for the line-search optimizers
    /// (L-BFGS, conjugate gradient) and the last iterate for the mini-batch ones (momentum SGD, Adam), whose
    /// <see cref="OptimizationResult.Cost"/> is then the last epoch's mean of its batch costs (each taken before that
    /// batch's step), not J at that point; <see cref="IObjective{T}.Dimension"/> elements.</param>
    /// <param name="cancellationToken">Checked once per iteration; cancelling returns normally with <see cref="StopReason.Cancelled"/>.</param>
    /// <returns>Iterations, evaluations, the final cost and why the optimizer stopped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="objective"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="parameters"/> does not have <see cref="IObjective{T}.Dimension"/> elements, or a mini-batch
    /// optimizer was given an objective that is not an <see cref="IStochasticObjective{T}"/>.
    /// </exception>
    public OptimizationResult Minimize(IObjective<T> objective, Span<T> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (parameters.Length != objective.Dimension)
        {
            throw new ArgumentException(
                $"Expected {objective.Dimension} parameters (the objective's dimension); got {parameters.Length}.", nameof(parameters));
        }

        return MinimizeCore(objective, parameters, new Clock(Stopwatch.GetTimestamp()), cancellationToken);
    }

    /// <summary>The optimizer's loop; arguments are checked.</summary>
    private protected abstract OptimizationResult MinimizeCore(IObjective<T> objective, Span<T> parameters, Clock clock, CancellationToken cancellationToken);

    /// <summary>True when the cost change from <paramref name="previous"/> to <paramref name="current"/> is within <see cref="CostTolerance"/>.</summary>
    private protected bool CostConverged(double previous, double current)
        => CostTolerance > 0 && previous - current <= CostTolerance * Math.Max(1.0, Math.Abs(current));

    /// <summary>Reports progress and returns the stop reason that applies after this iteration, if any.</summary>
    private protected StopReason? AfterIteration(in OptimizationProgress progress, double previousCost, CancellationToken cancellationToken)
    {
        Progress?.Invoke(progress);
        if (cancellationToken.IsCancellationRequested)
        {
            return StopReason.Cancelled;
        }

        if (GradientTolerance > 0 && progress.GradientNorm <= GradientTolerance)
        {
            return StopReason.GradientTolerance;
        }

        if (CostConverged(previousCost, progress.Cost))
        {
            return StopReason.CostTolerance;
        }

        return progress.Iteration >= MaxIterations ? StopReason.MaxIterations : null;
    }

    private protected static T[] Ensure(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length != length)
        {
            buffer = new T[length];
        }

        return buffer;
    }

    private static double CheckTolerance(double value, string name)
        => value >= 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Expected a tolerance >= 0 (0 disables the test).");

    /// <summary>Wall time since the start of a minimization, without allocating.</summary>
    private protected readonly struct Clock(long start)
    {
        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(start);
    }
}
