using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>
/// Whether a forward pass can be known not to overflow before it runs, so scoring can write its outputs block
/// by block and still leave them untouched when it throws.
/// </summary>
internal static class ForwardBound
{
    /// <summary>
    /// True when every input is finite and no pre-activation can overflow <typeparamref name="T"/>: by
    /// Cauchy-Schwarz, |z_i| &lt;= |Theta[i, 0]| + ||Theta[i, 1:]|| ||a||, where ||a|| &lt;= ||X|| (the norm of all
    /// the features together bounds each example's) in the first layer and &lt;= sqrt(s(l)) after it (sigmoid
    /// outputs lie in [0, 1]). The bound is evaluated in double with a factor 2 to spare for the rounding of the
    /// sums. Two vectorized passes, over the features and over the weights, as the finiteness check alone
    /// takes. False when an input is NaN or infinite and when the bound itself overflows (values beyond the
    /// square root of the type's range), so false means only "not known": the caller then checks the inputs
    /// and runs the pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static bool CannotOverflow<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double limit = double.CreateTruncating(MaxValue<T>()) / 2;
        double featureNorm = Math.Sqrt(double.CreateTruncating(SumOfSquares.Compute(features)));
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
            ReadOnlySpan<T> theta = parameters.Slice(layout.ThetaOffset(l), rows * columns);
            double aNorm = l == 0 ? featureNorm : Math.Sqrt(columns - 1);
            for (int i = 0; i < rows; i++)
            {
                double bias = Math.Abs(double.CreateTruncating(theta[i * columns]));
                double norm = Math.Sqrt(double.CreateTruncating(SumOfSquares.Compute(theta.Slice((i * columns) + 1, columns - 1))));
                if (!(bias + (norm * aNorm) <= limit)) // NaN compares false
                {
                    return false;
                }
            }
        }

        return true;
    }

    // The largest finite value of T (float or double: the engines' two types).
    private static T MaxValue<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? T.CreateTruncating(float.MaxValue) : T.CreateTruncating(double.MaxValue);
}
