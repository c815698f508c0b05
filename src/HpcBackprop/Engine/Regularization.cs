using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T Finish<T>(
        NetworkLayout layout,
        ReadOnlySpan<T> parameters,  // ParameterCount
        ReadOnlySpan<T> features,    // m x s(1), only read to name a non-finite input
        bool preActivationsFinite,   // every z of the forward pass was finite
        double cost,                 // the cost terms' sum, in double (above T's range it may be, cost / m not)
        int m,
        T lambda,
        ReadOnlySpan<T> delta,       // ParameterCount
        Span<T> gradient)            // ParameterCount or empty
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T squares = lambda != T.Zero ? SquaredWeights<T>(layout, parameters) : T.Zero;
        T j = CheckedCost(parameters, features, preActivationsFinite, cost, m, lambda, squares);
        if (!gradient.IsEmpty)
        {
            // Delta is complete here, so its own largest entry bounds D (a throw leaves the gradient as it was).
            BackwardBound.ThrowUnlessFits(double.CreateTruncating(Kernels.LargestMagnitude.Of(delta)), m, lambda, squares);

            // D = (1/m) Delta + (lambda/m) Theta in one pass per matrix, then the bias column, which is not regularized.
            T mT = T.CreateChecked(m);
            T invM = T.One / mT;
            T scale = lambda / mT;
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                int offset = layout.ThetaOffset(l), length = rows * columns;
                ScaledSum.Compute(invM, delta.Slice(offset, length), scale, parameters.Slice(offset, length), gradient.Slice(offset, length));
                for (int i = 0; i < rows; i++)
                {
                    gradient[offset + (i * columns)] = delta[offset + (i * columns)] * invM;
                }
            }
        }

        return j;
    }

    /// <summary>sum of the squared non-bias weights (j &gt;= 1) of every Theta, row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T SquaredWeights<T>(NetworkLayout layout, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T squares = T.Zero;
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            squares = SquaredWeights(layout, parameters, l, squares);
        }

        return squares;
    }

    /// <summary>
    /// <paramref name="squares"/> plus the squared non-bias weights of Theta(<paramref name="layer"/>), row by row:
    /// called for layers 0, 1, ... in turn it is the same sum, in the same order, as the whole-network overload,
    /// so an engine can take each layer while its weights are still in cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T SquaredWeights<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, int layer, T squares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = layout.ThetaRows(layer), columns = layout.ThetaColumns(layer);
        ReadOnlySpan<T> theta = parameters.Slice(layout.ThetaOffset(layer), rows * columns);
        for (int i = 0; i < rows; i++)
        {
            squares += SumOfSquares.Compute(theta.Slice((i * columns) + 1, columns - 1)); // j >= 1 only
        }

        return squares;
    }

    /// <summary>
    /// J = cost / m + lambda / (2m) <paramref name="squares"/>, or the exception <see cref="Finish{T}"/> describes
    /// when a pre-activation or J is not finite. Engines that write D themselves call this first, so that a
    /// throw leaves the caller's gradient untouched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CheckedCost<T>(
        ReadOnlySpan<T> parameters,  // ParameterCount
        ReadOnlySpan<T> features,    // m x s(1), only read to name a non-finite input
        bool preActivationsFinite,
        double cost,                 // the cost terms' sum, in double: divided by m before it is rounded to T
        int m,
        T lambda,
        T squares)                   // sum of the squared non-bias weights (any value when lambda is 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T mT = T.CreateChecked(m);
        T j = T.CreateTruncating(cost / m) + (lambda == T.Zero ? T.Zero : lambda / (mT + mT) * squares);
        if (!preActivationsFinite || !T.IsFinite(j))
        {
            InputValidation.ThrowIfNonFiniteInput(parameters, features, features.Length / m);
            throw new ArithmeticException(preActivationsFinite
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"J overflowed {typeof(T).Name} (J = {j}) although every input and pre-activation is finite: the sum of the cost's terms or the regularization term lambda/(2m) sum(theta^2) is beyond its range (weights, features or lambda too large).")
                : $"The forward pass overflowed although every input is finite: the weights or features are too large for {typeof(T).Name}.");
        }

        return j;
    }
}
