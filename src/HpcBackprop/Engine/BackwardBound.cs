using System.Numerics;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>
/// Whether the gradient can be written without overflowing, known before any of it is written, so that a throw
/// leaves the caller's gradient as it was (the forward pass has <see cref="Regularization.CheckedCost{T}"/>).
/// </summary>
/// <remarks>
/// Finite z everywhere does not make the backward pass finite: Theta(l)' d(l+1) can overflow (and inf .* 0 gives
/// NaN where a unit saturates), and Delta's sums over examples can overflow with every term finite, for instance
/// with huge features. Every Delta entry of a block of <c>count</c> examples is a sum of d_i [1; a_j] terms with
/// |d| &lt;= max(1, the largest hidden error) (output errors h - y lie in [-1, 1]) and |a| &lt;= max(1, the largest
/// feature) (hidden activations lie in [0, 1]), so it is at most count x those two; the earlier blocks' Delta is
/// measured directly (its largest entry) or bounded block by block the same way, whichever pass is shorter.
/// D = Delta / m + (lambda / m) Theta, with |Theta| &lt;= sqrt(sum of squares). Everything is
/// evaluated in double and must stay within a quarter of the type's range (room for the rounding of the sums);
/// beyond it the engines throw <see cref="ArithmeticException"/> rather than risk an infinite or NaN entry.
/// The bound is loose only for errors or features within a factor of about m of that range.
/// </remarks>
internal static class BackwardBound
{
    /// <summary>
    /// The bound on the |Delta| terms of a block of <paramref name="count"/> examples whose largest hidden error and
    /// feature are given (NaN when one is not finite); earlier blocks' bound is added to it.
    /// </summary>
    public static double OfBlock<T>(int count, T hiddenErrors, T features)
        where T : unmanaged, IFloatingPointIeee754<T>
        => count * Math.Max(1, double.CreateTruncating(hiddenErrors)) * Math.Max(1, double.CreateTruncating(features));

    /// <summary>Throws <see cref="ArithmeticException"/> unless |Delta| &lt;= <paramref name="delta"/> keeps D = Delta / m + (lambda / m) Theta in range.</summary>
    /// <param name="delta">A bound on every |Delta| entry (NaN when unknown).</param>
    /// <param name="m">The number of examples.</param>
    /// <param name="lambda">The regularization strength.</param>
    /// <param name="squares">The sum of the squared non-bias weights (any value when lambda is 0).</param>
    public static void ThrowUnlessFits<T>(double delta, int m, T lambda, T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double limit = (typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue) / 4;
        double regularization = lambda == T.Zero ? 0 : double.CreateTruncating(lambda) / m * Math.Sqrt(double.CreateTruncating(squares));
        if (!(delta <= limit) || !((delta / m) + regularization <= limit)) // NaN compares false
        {
            throw new ArithmeticException(
                $"The backward pass would overflow {typeof(T).Name} although every input is finite and the forward pass did not: " +
                $"the error terms, features or weights are too large (a bound on the Delta sums is {delta:G3}); the gradient was not written.");
        }
    }
}
