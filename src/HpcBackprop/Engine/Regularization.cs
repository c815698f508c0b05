using System.Numerics;

namespace HpcBackprop.Engine;

/// <summary>The last step every engine shares: J from the summed cost terms and D from Delta, with the L2 term.</summary>
internal static class Regularization
{
    /// <summary>
    /// J = cost / m + lambda / (2m) sum of squared non-bias weights; D = Delta / m + (lambda / m) Theta on
    /// non-bias columns. Throws, leaving <paramref name="gradient"/> untouched, when a pre-activation or J
    /// is not finite: with finite inputs every z is finite, so that names a NaN or infinite input (or,
    /// if none is, weights so large that the products overflow).
    /// </summary>
    public static T Finish<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,  // ParameterCount
        ReadOnlySpan<T> features,    // m x s(1), only read to name a non-finite input
        bool preActivationsFinite,   // every z of the forward pass was finite
        T cost,
        int m,
        T lambda,
        ReadOnlySpan<T> delta,       // ParameterCount
        Span<T> gradient)            // ParameterCount or empty
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T mT = T.CreateChecked(m);
        T squares = T.Zero;
        if (lambda != T.Zero)
        {
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                ReadOnlySpan<T> theta = parameters.Slice(layout.ThetaOffset(l), rows * columns);
                for (int i = 0; i < rows; i++)
                {
                    squares += SumOfSquares(theta.Slice((i * columns) + 1, columns - 1));
                }
            }
        }

        T j = (cost / mT) + (lambda / (mT + mT) * squares);
        if (!preActivationsFinite || !T.IsFinite(j))
        {
            InputValidation.ThrowIfNonFiniteInput(parameters, features);
            throw new ArithmeticException(
                $"The forward pass overflowed (J = {j}) although every input is finite: the weights or features are too large for {typeof(T).Name}.");
        }

        if (!gradient.IsEmpty)
        {
            T invM = T.One / mT;
            T scale = lambda / mT;
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                int offset = layout.ThetaOffset(l);
                for (int i = 0; i < rows; i++)
                {
                    int rowStart = offset + (i * columns);
                    gradient[rowStart] = delta[rowStart] * invM;
                    for (int c = 1; c < columns; c++)
                    {
                        gradient[rowStart + c] = (delta[rowStart + c] * invM) + (scale * parameters[rowStart + c]);
                    }
                }
            }
        }

        return j;
    }

    private static T SumOfSquares<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        foreach (T v in values)
        {
            sum += v * v;
        }

        return sum;
    }
}
