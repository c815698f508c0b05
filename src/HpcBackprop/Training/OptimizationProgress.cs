namespace HpcBackprop.Training;

/// <summary>What an optimizer reports after each iteration.</summary>
/// <param name="Iteration">1-based: a line search for the full-batch optimizers, an epoch (one pass over the examples) for the mini-batch ones.</param>
/// <param name="Cost">
/// The cost at the current parameters (full batch), or the mean of the batch costs over the epoch just
/// finished (mini-batch: a cheap, slightly stale estimate).
/// </param>
/// <param name="GradientNorm">The Euclidean norm of the full gradient at the current parameters, or NaN when the optimizer does not compute it (mini-batch).</param>
/// <param name="Evaluations">Objective evaluations so far (full or batch evaluations).</param>
/// <param name="Elapsed">Wall time since the optimizer started.</param>
public readonly record struct OptimizationProgress(int Iteration, double Cost, double GradientNorm, int Evaluations, TimeSpan Elapsed);

/// <summary>Why an optimizer stopped.</summary>
public enum StopReason
{
    /// <summary>The iteration budget was used up.</summary>
    MaxIterations,

    /// <summary>The gradient norm fell to the gradient tolerance.</summary>
    GradientTolerance,

    /// <summary>The relative cost decrease over one iteration fell to the cost tolerance.</summary>
    CostTolerance,

    /// <summary>Two line searches in a row found no acceptable step: the parameters are at a minimum to working precision.</summary>
    LineSearchFailed,

    /// <summary>
    /// The cancellation token was signalled; the parameters hold the last iterate (for the line-search optimizers,
    /// whose every accepted step lowers J, also the best point so far; for SGD and Adam not necessarily).
    /// </summary>
    Cancelled,
}

/// <summary>The outcome of a minimization.</summary>
/// <param name="Iterations">Iterations done (see <see cref="OptimizationProgress.Iteration"/>).</param>
/// <param name="Evaluations">Objective evaluations done.</param>
/// <param name="Cost">The last cost reported.</param>
/// <param name="GradientNorm">The last gradient norm, NaN for the mini-batch optimizers.</param>
/// <param name="StopReason">Why the optimizer stopped.</param>
/// <param name="Elapsed">Wall time.</param>
public readonly record struct OptimizationResult(int Iterations, int Evaluations, double Cost, double GradientNorm, StopReason StopReason, TimeSpan Elapsed);
