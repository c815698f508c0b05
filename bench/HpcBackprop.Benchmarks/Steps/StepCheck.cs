using System.Numerics;
using HpcBackprop.Reference;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>
/// Every step implementation is checked against the literal reference before it is timed (on the first
/// few examples of its workload, so the check stays cheap): a row in the results is a correct gradient.
/// </summary>
internal static class StepCheck
{
    /// <summary>The examples the check uses (all of them when m is smaller).</summary>
    public const int Examples = 4;

    /// <summary>
    /// Runs <paramref name="step"/> on a truncated copy of the workload's data and throws if its cost or
    /// gradient differ from the reference's by more than a relative 1e-3 (float) or 1e-9 (double).
    /// </summary>
    public static void AgainstReference<T>(Workload workload, Func<StepData<T>, T> step, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = new StepData<T>(workload, Math.Min(Examples, workload.Examples));
        var expected = new T[data.Gradient.Length];
        double expectedCost = double.CreateTruncating(ReferenceBackprop.CostAndGradient<T>(data.Layout, data.Parameters, data.Features, data.Labels, data.Lambda, expected));
        double cost = double.CreateTruncating(step(data));
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), a = double.CreateTruncating(data.Gradient[i]);
            difference += (e - a) * (e - a);
            norm += e * e;
        }

        double relative = Math.Sqrt(difference / Math.Max(norm, double.Epsilon));
        double tolerance = typeof(T) == typeof(float) ? 1e-3 : 1e-9;
        double costError = Math.Abs(cost - expectedCost) / Math.Max(Math.Abs(expectedCost), 1e-30);
        if (!(relative <= tolerance) || !(costError <= tolerance))
        {
            throw new InvalidOperationException(
                $"{name} on {workload}: gradient differs from the reference by {relative:E2} (relative), cost by {costError:E2}; not timing a wrong result.");
        }
    }
}
