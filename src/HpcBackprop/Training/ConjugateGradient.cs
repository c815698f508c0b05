using System.Numerics;

namespace HpcBackprop.Training;

/// <summary>
/// Full-batch nonlinear conjugate gradient with Polak-Ribiere directions and fmincg's line search
/// (C. E. Rasmussen's minimizer, used to train these networks in the Machine Learning course).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// Direction: s = ((g2 - g1)' g2 / g1' g1) s - g2, reset to -g2 when that is not downhill. The first trial step
/// of each search is the last step times the ratio of the old and new slopes (at most 100 times).
/// </remarks>
public sealed class ConjugateGradient<T> : LineSearchOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>fmincg's SIG = 0.5: a fairly exact line search, which conjugate directions need.</summary>
    private protected override double Sigma => 0.5;

    private protected override void Prepare(int n)
    {
    }

    private protected override void Restart()
    {
    }

    private protected override void NextDirection(ReadOnlySpan<T> x0, ReadOnlySpan<T> x, ReadOnlySpan<T> g1, ReadOnlySpan<T> g2, Span<T> s)
    {
        double g1g1 = VectorMath.Dot(g1, g1);
        double beta = (VectorMath.Dot(g2, g2) - VectorMath.Dot(g1, g2)) / g1g1;
        VectorMath.Combine(beta, s, -1.0, g2);
    }
}
