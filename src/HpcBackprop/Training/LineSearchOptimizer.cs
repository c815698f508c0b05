using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// The loop shared by the full-batch optimizers, as in fmincg: pick a descent direction, search along it
/// with a Wolfe-Powell line search, and on a failed search restart once from steepest descent before
/// giving up (two failures in a row mean no acceptable step exists at working precision).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public abstract class LineSearchOptimizer<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double Ratio = 100; // the next first trial step is at most RATIO times the last slope ratio suggests

    private T[]? _x0, _g1, _g2, _s;
    private int _maxEvaluationsPerSearch = 20;

    /// <summary>The evaluation budget of one line search, at least 2. Default 20 (fmincg's MAX).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 2.</exception>
    public int MaxEvaluationsPerSearch
    {
        get => _maxEvaluationsPerSearch;
        init => _maxEvaluationsPerSearch = value >= 2 ? value : throw new ArgumentOutOfRangeException(nameof(MaxEvaluationsPerSearch), value, "Expected at least 2.");
    }

    /// <summary>The Wolfe curvature constant of the line search, in (0.01, 1): smaller is a more exact search.</summary>
    private protected abstract double Sigma { get; }

    /// <summary>Allocates the optimizer's own buffers for dimension <paramref name="n"/> (called before every minimization).</summary>
    private protected abstract void Prepare(int n);

    /// <summary>Forgets curvature information: the next direction is steepest descent.</summary>
    private protected abstract void Restart();

    /// <summary>
    /// After an accepted step from x0 to x (gradients g1 at x0 and g2 at x), overwrites <paramref name="s"/> with the
    /// next search direction. If it is not downhill (g2' s &gt;= 0) the caller restarts from steepest descent.
    /// </summary>
    private protected abstract void NextDirection(ReadOnlySpan<T> x0, ReadOnlySpan<T> x, ReadOnlySpan<T> g1, ReadOnlySpan<T> g2, Span<T> s);

    /// <summary>
    /// The first trial step along the new direction. fmincg's rule, the default: the last accepted step times the
    /// ratio of the old slope <paramref name="d1"/> to the new one <paramref name="d2"/>, at most 100 times larger.
    /// </summary>
    private protected virtual double FirstStep(double lastStep, double d1, double d2)
        => lastStep * Math.Min(Ratio, d1 / (d2 - double.Epsilon));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private protected override OptimizationResult MinimizeCore(IObjective<T> objective, Span<T> x, Clock clock, CancellationToken cancellationToken)
    {
        int n = x.Length;
        Span<T> x0 = Ensure(ref _x0, n), g1 = Ensure(ref _g1, n), g2 = Ensure(ref _g2, n), s = Ensure(ref _s, n);
        Prepare(n);
        Restart();

        double f1 = double.CreateTruncating(objective.Evaluate(x, g1));
        int evaluations = 1;
        VectorMath.Negate<T>(g1, s);
        double d1 = -VectorMath.Dot<T>(s, s);
        double z1 = 1 / (1 - d1); // fmincg's first step: a unit-length move along -g, roughly
        bool lastSearchFailed = false;
        double gradientNorm = Math.Sqrt(-d1);
        for (int iteration = 1; ; iteration++)
        {
            if (gradientNorm == 0)
            {
                return new OptimizationResult(iteration - 1, evaluations, f1, 0, StopReason.GradientTolerance, clock.Elapsed);
            }

            x.CopyTo(x0);
            LineSearchResult search = WolfeLineSearch.Search<T>(objective, x0, f1, d1, s, z1, Sigma, MaxEvaluationsPerSearch, x, g2);
            evaluations += search.Evaluations;
            double previous = f1;
            if (search.Success)
            {
                f1 = search.Cost;
                NextDirection(x0, x, g1, g2, s);
                g2.CopyTo(g1);
                double d2 = VectorMath.Dot<T>(g1, s);
                if (d2 >= 0)
                {
                    // Not a descent direction (possible with Polak-Ribiere or a poor curvature pair): restart.
                    Restart();
                    VectorMath.Negate<T>(g1, s);
                    d2 = -VectorMath.Dot<T>(s, s);
                }

                z1 = FirstStep(search.Step, d1, d2);
                d1 = d2;
                lastSearchFailed = false;
                gradientNorm = VectorMath.Norm<T>(g1);
            }
            else
            {
                // Back to the last good point (g1 is still its gradient) and try steepest descent once.
                x0.CopyTo(x);
                if (lastSearchFailed)
                {
                    Progress?.Invoke(new OptimizationProgress(iteration, f1, gradientNorm, evaluations, clock.Elapsed));
                    return new OptimizationResult(iteration, evaluations, f1, gradientNorm, StopReason.LineSearchFailed, clock.Elapsed);
                }

                Restart();
                VectorMath.Negate<T>(g1, s);
                d1 = -VectorMath.Dot<T>(s, s);
                z1 = 1 / (1 - d1);
                lastSearchFailed = true;
            }

            var progress = new OptimizationProgress(iteration, f1, gradientNorm, evaluations, clock.Elapsed);
            StopReason? stop = AfterIteration(progress, search.Success ? previous : double.PositiveInfinity, cancellationToken);
            if (stop is { } reason)
            {
                return new OptimizationResult(iteration, evaluations, f1, gradientNorm, reason, progress.Elapsed);
            }
        }
    }
}
