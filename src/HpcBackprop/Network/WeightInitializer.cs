using System.Numerics;

namespace HpcBackprop;

/// <summary>
/// Random symmetric-breaking initialization: every entry of Theta(l), bias column included, is drawn
/// uniformly from [-e, e] with e = sqrt(6) / sqrt(s(l) + s(l+1)).
/// </summary>
/// <remarks>
/// The draws come from a SplitMix64 generator, not from <see cref="Random"/>, so the
/// same seed gives the same parameters on every run, runtime version and machine (the double value of
/// each draw is exact; float parameters are that double rounded to nearest).
/// </remarks>
public static class WeightInitializer
{
    /// <summary>The half-width e = sqrt(6) / sqrt(s(l) + s(l+1)) of Theta(index + 1)'s range.</summary>
    /// <param name="layout">The network layout.</param>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public static double Epsilon(NetworkLayout layout, int index)
    {
        ArgumentNullException.ThrowIfNull(layout);
        int fanIn = layout.ThetaColumns(index) - 1;
        int fanOut = layout.ThetaRows(index);
        return Math.Sqrt(6.0) / Math.Sqrt(fanIn + fanOut);
    }

    /// <summary>Fills <paramref name="parameters"/> with uniform draws in [-e, e] per weight matrix, from <paramref name="seed"/>.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layout">The network layout.</param>
    /// <param name="parameters">The flat parameter vector, exactly <see cref="NetworkLayout.ParameterCount"/> long.</param>
    /// <param name="seed">Any value; equal seeds give equal parameters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> has the wrong length.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void Initialize<T>(NetworkLayout layout, Span<T> parameters, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Weights are float or double; {typeof(T).Name} is not supported.");
        }

        layout.CheckParameterLength(parameters.Length, nameof(parameters));
        ulong state = seed;
        for (int index = 0; index < layout.ThetaCount; index++)
        {
            double e = Epsilon(layout, index);
            Span<T> theta = parameters.Slice(layout.ThetaOffset(index), layout.ThetaLength(index));
            for (int i = 0; i < theta.Length; i++)
            {
                double u = SplitMix64.NextUnit(ref state); // [0, 1)
                theta[i] = T.CreateTruncating(((2.0 * u) - 1.0) * e);
            }
        }
    }

    /// <summary>A new parameter vector for <paramref name="layout"/>, initialized as <see cref="Initialize{T}(NetworkLayout, Span{T}, ulong)"/> does.</summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <param name="layout">The network layout.</param>
    /// <param name="seed">Any value; equal seeds give equal parameters.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T[] Create<T>(NetworkLayout layout, ulong seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        var parameters = new T[layout.ParameterCount];
        Initialize<T>(layout, parameters, seed);
        return parameters;
    }
}
