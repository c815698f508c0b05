using System.Numerics;

namespace HpcBackprop.Kernels;

/// <summary>Whether every element of a span is finite (neither NaN nor infinite).</summary>
/// <remarks>
/// The engines call it on every pre-activation z: with finite features and activations, z is finite
/// exactly when every weight that produced it is, so one pass over the (short) z vectors replaces a
/// pass over all the weights, and a NaN can never slip into a result silently. The pass is
/// <see cref="LargestMagnitude"/>'s, which answers NaN exactly when an element is not finite.
/// </remarks>
internal static class AllFinite
{
    /// <summary>True when no element of <paramref name="values"/> is NaN or infinite.</summary>
    public static bool Check<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => !T.IsNaN(LargestMagnitude.Of(values));
}
