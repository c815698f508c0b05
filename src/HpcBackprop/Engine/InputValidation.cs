using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// The argument checks every public entry point makes before it writes anything, so bad input
/// gets an exception naming the argument and the expected shape and leaves the caller's buffers
/// as they were.
/// </summary>
internal static class InputValidation
{
    public static void CheckElementType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"HpcBackprop computes in float or double; {typeof(T).Name} is not supported.");
        }
    }

    public static void CheckLambda<T>(T lambda)
        where T : IFloatingPointIeee754<T>
    {
        if (!T.IsFinite(lambda) || lambda < T.Zero) // -0.0 is allowed: it is >= 0
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda,
                "The regularization strength lambda must be a finite number >= 0.");
        }
    }

    /// <summary>Checks the layout, parameters and features for m examples.</summary>
    public static void CheckNetworkInput<T>(NetworkLayout layout, int parameterLength, int featureLength, int m)
    {
        ArgumentNullException.ThrowIfNull(layout);
        CheckElementType<T>();
        layout.CheckParameterLength(parameterLength, "parameters");
        if ((long)m * layout.InputSize != featureLength)
        {
            throw new ArgumentException(
                $"Expected features of m x s(1) = {m} x {layout.InputSize} = {(long)m * layout.InputSize} elements (row-major, one example per row); got {featureLength}.",
                "features");
        }
    }

    /// <summary>m from the labels: at least one, each a class index 0..K-1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int CheckLabels(NetworkLayout layout, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (labels.IsEmpty)
        {
            throw new ArgumentException("Expected at least one example (m >= 1); labels is empty.", nameof(labels));
        }

        int k = layout.OutputSize;
        for (int t = 0; t < labels.Length; t++)
        {
            if ((uint)labels[t] >= (uint)k)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[t],
                    $"Expected class indices in 0..{k - 1} (K = {k} outputs); labels[{t}] is {labels[t]}.");
            }
        }

        return labels.Length;
    }

    /// <summary>m from the targets: a whole number of rows of K values, at least one row, each value in [0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int CheckTargets<T>(NetworkLayout layout, ReadOnlySpan<T> targets)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        int k = layout.OutputSize;
        if (targets.IsEmpty || targets.Length % k != 0)
        {
            throw new ArgumentException(
                $"Expected targets of m x K elements with m >= 1 and K = {k} (row-major, one example per row); got {targets.Length}.",
                nameof(targets));
        }

        for (int i = 0; i < targets.Length; i++)
        {
            T y = targets[i];
            if (!(y >= T.Zero && y <= T.One))
            {
                throw new ArgumentOutOfRangeException(nameof(targets), y,
                    $"Expected target values in [0, 1]; targets[{i}] (example {i / k}, output {i % k}) is {y}.");
            }
        }

        return targets.Length / k;
    }

    /// <summary>
    /// The gradient has ParameterCount elements and shares no memory with the inputs: the batched engine writes
    /// parts of D before it has read every weight (and the product before the regularization term), so a gradient
    /// written over the parameters would be wrong rather than merely overwritten.
    /// </summary>
    public static void CheckGradient<T>(NetworkLayout layout, ReadOnlySpan<T> gradient, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features)
    {
        layout.CheckParameterLength(gradient.Length, "gradient");
        if (gradient.Overlaps(parameters) || gradient.Overlaps(features))
        {
            throw new ArgumentException(
                "The gradient must not share memory with the parameters or the features; pass a buffer of its own.", "gradient");
        }
    }

    /// <summary>Scoring's outputs share no memory with the inputs: they are written block by block while later blocks are still to be read.</summary>
    public static void CheckOutputsApart<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features)
    {
        if (outputs.Overlaps(parameters) || outputs.Overlaps(features))
        {
            throw new ArgumentException(
                "The outputs must not share memory with the parameters or the features; pass a buffer of their own.", "outputs");
        }
    }

    /// <summary>m from features alone (scoring): a whole, non-zero number of rows of s(1) values.</summary>
    public static int CheckFeaturesForScoring<T>(NetworkLayout layout, int parameterLength, int featureLength)
    {
        ArgumentNullException.ThrowIfNull(layout);
        CheckElementType<T>();
        layout.CheckParameterLength(parameterLength, "parameters");
        if (featureLength == 0 || featureLength % layout.InputSize != 0)
        {
            throw new ArgumentException(
                $"Expected features of m x s(1) elements with m >= 1 and s(1) = {layout.InputSize} (row-major, one example per row); got {featureLength}.",
                "features");
        }

        return featureLength / layout.InputSize;
    }

    /// <summary>An output of m rows of <paramref name="width"/> values (width 1: one per example).</summary>
    public static void CheckOutputLength(int actual, int m, int width, string paramName)
    {
        if (actual != (long)m * width)
        {
            string shape = width == 1 ? $"m = {m}" : $"m x K = {m} x {width} = {(long)m * width}";
            throw new ArgumentException($"Expected {paramName} of {shape} elements; got {actual}.", paramName);
        }
    }

    /// <summary>
    /// Throws if a parameter or a feature is NaN or infinite, naming it. Called up front where that is
    /// cheaper than the work, and when a computed cost is not finite, before any output is written: names the argument
    /// that holds a NaN or an infinity. Scanning only on this rare path keeps the hot path free of it.
    /// <paramref name="inputSize"/> is s(1), to name the example and feature of a bad feature.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void ThrowIfNonFiniteInput<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, int inputSize)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Kernels.AllFinite.Check(parameters) && Kernels.AllFinite.Check(features))
        {
            return;
        }

        int i = IndexOfNonFinite(parameters);
        if (i >= 0)
        {
            throw new ArgumentException($"parameters[{i}] is {parameters[i]}; every parameter must be finite.", nameof(parameters));
        }

        i = IndexOfNonFinite(features);
        if (i >= 0)
        {
            throw new ArgumentException($"features[{i}] (example {i / inputSize}, feature {i % inputSize} of {inputSize}) is {features[i]}; every feature must be finite.", nameof(features));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static int IndexOfNonFinite<T>(ReadOnlySpan<T> values)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
