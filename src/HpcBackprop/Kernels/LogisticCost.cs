using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>
/// The cross-entropy terms of the cost computed stably from the pre-activations z:
/// sum_k [ y_k softplus(-z_k) + (1 - y_k) softplus(z_k) ], which equals
/// -sum_k [ y_k log h_k + (1 - y_k) log(1 - h_k) ] with h = g(z).
/// </summary>
/// <remarks>
/// log h = -softplus(-z) and log(1 - h) = -softplus(z), with softplus(x) = max(x, 0) + log(1 + e^-|x|).
/// Unlike the literal formula, a saturated unit (h rounded to exactly 0 or 1) gives a finite, correct
/// term instead of log(0) = -infinity. log(1 + t) is evaluated as log(u) t / (u - 1) with u = 1 + t
/// (Goldberg's trick), accurate also where t is tiny.
/// </remarks>
internal static class LogisticCost
{
    /// <summary>The sum over i of y[i] softplus(-z[i]) + (1 - y[i]) softplus(z[i]).</summary>
    public static T Sum<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        KernelArguments.CheckLength(y.Length, z.Length, nameof(y));
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++)
        {
            T zi = z[i];
            T l = Log1P(T.Exp(-T.Abs(zi)));
            T softplusPos = T.Max(zi, T.Zero) + l;  // softplus(z)  = -log(1 - h)
            T softplusNeg = T.Max(-zi, T.Zero) + l; // softplus(-z) = -log(h)
            sum += (y[i] * softplusNeg) + ((T.One - y[i]) * softplusPos);
        }

        return sum;
    }

    /// <summary>log(1 + t) for t in [0, 1], accurate for tiny t.</summary>
    internal static T Log1P<T>(T t)
        where T : IFloatingPointIeee754<T>
    {
        T u = T.One + t;
        return u == T.One ? t : T.Log(u) * (t / (u - T.One));
    }
}
