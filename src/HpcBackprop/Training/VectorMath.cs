using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// The few level-1 operations the optimizers need over the flat parameter vector. Sums are accumulated
/// in double even for float vectors: the optimizers' step-size decisions compare small differences of
/// these sums, and n is small next to the cost of one gradient.
/// </summary>
internal static class VectorMath
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static double Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += double.CreateTruncating(x[i]) * double.CreateTruncating(y[i]);
        }

        return sum;
    }

    public static double Norm<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Math.Sqrt(Dot(x, x));

    /// <summary>destination = x + a y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void AddScaled<T>(ReadOnlySpan<T> x, double a, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.CreateTruncating(a);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = x[i] + (scale * y[i]);
        }
    }

    /// <summary>x = a x + b y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Combine<T>(double a, Span<T> x, double b, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sa = T.CreateTruncating(a), sb = T.CreateTruncating(b);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (sa * x[i]) + (sb * y[i]);
        }
    }

    /// <summary>x = a x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Scale<T>(double a, Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.CreateTruncating(a);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Negate<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = -x[i];
        }
    }
}
