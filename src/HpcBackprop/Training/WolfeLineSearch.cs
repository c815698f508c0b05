using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>The outcome of one line search.</summary>
internal readonly record struct LineSearchResult(bool Success, double Step, double Cost, int Evaluations);

/// <summary>
/// The line search of Carl Rasmussen's fmincg (the minimizer of the Machine Learning course): starting
/// from step z1 along s, cubic and quadratic fits extrapolate (up to EXT times) or interpolate (never
/// closer than INT of the bracket's ends) until the strong Wolfe-Powell conditions hold:
/// f(x0 + z s) &lt;= f(x0) + RHO z d1 and |g(x0 + z s)' s| &lt;= -SIG d1, with d1 = g(x0)' s &lt; 0.
/// </summary>
/// <remarks>
/// Each trial point is computed as x0 + z s rather than by accumulating increments, so the accepted point
/// is exactly the one its step says. A NaN or infinite cost or slope is treated as "far too long a step".
/// </remarks>
internal static class WolfeLineSearch
{
    private const double Rho = 0.01;   // sufficient decrease
    private const double Int = 0.1;    // do not re-evaluate within 0.1 of the limit of the current bracket
    private const double Ext = 3.0;    // extrapolate at most 3 times the current step

    /// <summary>Searches along <paramref name="s"/>; on success <paramref name="x"/> and <paramref name="g"/> hold the accepted point and its gradient.</summary>
    /// <param name="objective">The function.</param>
    /// <param name="x0">The starting point (n).</param>
    /// <param name="f1">f(x0).</param>
    /// <param name="d1">g(x0)' s, negative.</param>
    /// <param name="s">The search direction (n).</param>
    /// <param name="z1">The first trial step, positive.</param>
    /// <param name="sigma">The curvature constant SIG, in (RHO, 1).</param>
    /// <param name="maxEvaluations">The evaluation budget of this search.</param>
    /// <param name="x">Receives the last point tried (n).</param>
    /// <param name="g">Receives the gradient at <paramref name="x"/> (n).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static LineSearchResult Search<T>(
        IObjective<T> objective,
        ReadOnlySpan<T> x0,
        double f1,
        double d1,
        ReadOnlySpan<T> s,
        double z1,
        double sigma,
        int maxEvaluations,
        Span<T> x,
        Span<T> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int evaluations = 0;
        (double f2, double d2) = Probe(objective, x0, s, z1, x, g, ref evaluations);
        double f3 = f1, d3 = d1, z3 = -z1; // the other end of the bracket, relative to the current point
        double limit = -1;                 // the smallest step known to be too long; -1 while there is none
        int budget = maxEvaluations - 1;
        while (true)
        {
            // Too long a step (not enough decrease, or the slope is still too steep positive): interpolate back.
            while ((f2 > f1 + (z1 * Rho * d1) || d2 > -sigma * d1) && budget > 0)
            {
                limit = z1;
                double z2;
                if (f2 > f1)
                {
                    z2 = z3 - (0.5 * d3 * z3 * z3 / ((d3 * z3) + f2 - f3)); // quadratic fit
                }
                else
                {
                    double a = (6 * (f2 - f3) / z3) + (3 * (d2 + d3));     // cubic fit
                    double b = (3 * (f3 - f2)) - (z3 * (d3 + (2 * d2)));
                    z2 = (Math.Sqrt((b * b) - (a * d2 * z3 * z3)) - b) / a;
                }

                if (!double.IsFinite(z2))
                {
                    z2 = z3 / 2; // the fit failed: bisect
                }

                z2 = Math.Max(Math.Min(z2, Int * z3), (1 - Int) * z3); // stay inside the bracket
                z1 += z2;
                (f2, d2) = Probe(objective, x0, s, z1, x, g, ref evaluations);
                budget--;
                z3 -= z2;
            }

            if (f2 > f1 + (z1 * Rho * d1) || d2 > -sigma * d1)
            {
                return new LineSearchResult(false, z1, f2, evaluations); // budget used up while interpolating
            }

            if (d2 > sigma * d1)
            {
                return new LineSearchResult(true, z1, f2, evaluations); // both Wolfe-Powell conditions hold
            }

            if (budget == 0)
            {
                return new LineSearchResult(false, z1, f2, evaluations);
            }

            // Still descending steeply: extrapolate with a cubic fit, bounded by EXT and by the known limit.
            double a2 = (6 * (f2 - f3) / z3) + (3 * (d2 + d3));
            double b2 = (3 * (f3 - f2)) - (z3 * (d3 + (2 * d2)));
            double step = -d2 * z3 * z3 / (b2 + Math.Sqrt((b2 * b2) - (a2 * d2 * z3 * z3)));
            if (!double.IsFinite(step) || step < 0)
            {
                step = limit < -0.5 ? z1 * (Ext - 1) : (limit - z1) / 2;
            }
            else if (limit > -0.5 && step + z1 > limit)
            {
                step = (limit - z1) / 2;
            }
            else if (limit < -0.5 && step + z1 > z1 * Ext)
            {
                step = z1 * (Ext - 1.0);
            }
            else if (step < -z3 * Int)
            {
                step = -z3 * Int;
            }
            else if (limit > -0.5 && step < (limit - z1) * (1.0 - Int))
            {
                step = (limit - z1) * (1.0 - Int);
            }

            f3 = f2;
            d3 = d2;
            z3 = -step;
            z1 += step;
            (f2, d2) = Probe(objective, x0, s, z1, x, g, ref evaluations);
            budget--;
        }
    }

    /// <summary>
    /// Evaluates f and the slope g' s at x0 + z s; a non-finite value becomes +infinity ("too far"), and so does a
    /// step whose point is not finite in T or whose evaluation overflows (the network objective throws
    /// <see cref="ArithmeticException"/> rather than return an infinite cost), so an extrapolation into overflow
    /// shrinks the step instead of ending the minimization.
    /// </summary>
    private static (double Cost, double Slope) Probe<T>(
        IObjective<T> objective, ReadOnlySpan<T> x0, ReadOnlySpan<T> s, double z, Span<T> x, Span<T> g, ref int evaluations)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        VectorMath.AddScaled(x0, z, s, x);
        if (!Kernels.AllFinite.Check<T>(x))
        {
            return (double.PositiveInfinity, double.PositiveInfinity);
        }

        double f;
        evaluations++;
        try
        {
            f = double.CreateTruncating(objective.Evaluate(x, g));
        }
        catch (ArithmeticException)
        {
            return (double.PositiveInfinity, double.PositiveInfinity);
        }

        double d = VectorMath.Dot<T>(g, s);
        return double.IsFinite(f) && double.IsFinite(d) ? (f, d) : (double.PositiveInfinity, double.PositiveInfinity);
    }
}
