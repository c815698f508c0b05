using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Reference;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// An explicit <see cref="BackpropagationWorkspace{T}"/> computes what the reference does, through every one of its
/// methods and each engine choice, reused across calls of different m; bounded by <see cref="RunningErrorBound"/>.
/// </summary>
[Trait("Category", "Simd")]
public class WorkspaceMatchesReferenceTests
{
    [Property(MaxTest = 30, QuietOnSuccess = true)]
    public Property Float(PositiveInt seed) => Compare<float>(seed.Get);

    [Property(MaxTest = 30, QuietOnSuccess = true)]
    public Property Double(PositiveInt seed) => Compare<double>(seed.Get);

    [Fact]
    public void A_disposed_workspace_refuses_calls()
    {
        var layout = new NetworkLayout(2, 2);
        var ws = new BackpropagationWorkspace<double>(layout);
        ws.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ws.Cost(new double[6], new double[2], [0], 0));
        Assert.Throws<ObjectDisposedException>(() => ws.Forward(new double[6], new double[2], new double[2]));
    }

    private static Property Compare<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        Problem shape = Problem.Create(seed, maxLayers: 4, maxSize: 30, maxM: 60);
        var engine = (BackpropagationEngine)(seed % 3); // Automatic, PerExample, Batched
        using var ws = new BackpropagationWorkspace<T>(shape.Layout, new BackpropagationOptions { Engine = engine, MaxDegreeOfParallelism = 1 + (seed % 2) });
        var failures = new List<string>();

        // Two problems of different m through the same workspace.
        foreach (int m in new[] { shape.M, 1 + rng.Next(70) })
        {
            Problem p = Problem.ForLayout(seed + m, shape.Layout, m);
            T[] theta = Numerics.Convert<T>(p.Parameters);
            T[] x = Numerics.Convert<T>(p.Features);
            T[] y = Numerics.Convert<T>(p.Targets);
            T lambda = T.CreateChecked(p.Lambda);
            double[] thetaD = Numerics.ToDouble(theta), xD = Numerics.ToDouble(x);
            int k = p.Layout.OutputSize;

            foreach (bool useTargets in new[] { false, true })
            {
                var reference = ReferenceWithTolerance.Of(p.Layout, theta, x, p.Labels, useTargets ? y : null, lambda);
                var gradient = new T[theta.Length];
                T j = useTargets ? ws.CostAndGradient(theta, x, y, lambda, gradient) : ws.CostAndGradient(theta, x, p.Labels, lambda, gradient);
                T cost = useTargets ? ws.Cost(theta, x, y, lambda) : ws.Cost(theta, x, p.Labels, lambda);
                Within(double.CreateChecked(j), reference.J, reference.JTolerance, $"m = {m}, targets {useTargets}: J");
                Within(double.CreateChecked(cost), reference.J, reference.JTolerance, $"m = {m}, targets {useTargets}: Cost");
                for (int i = 0; i < reference.Gradient.Length; i++)
                {
                    Within(double.CreateChecked(gradient[i]), reference.Gradient[i], reference.GradientTolerance[i], $"m = {m}, targets {useTargets}: D[{i}]");
                }
            }

            // Forward and Predict against the reference's forward pass.
            var outputs = new T[m * k];
            var classes = new int[m];
            ws.Forward(theta, x, outputs);
            ws.Predict(theta, x, classes);
            double[] h = ReferenceBackprop.Forward<double>(p.Layout, thetaD, xD);
            var (lib, refb) = RunningErrorBound.ForLibraryAndReference<T>(p.Layout, thetaD, xD, new double[m * k], 0);
            for (int t = 0; t < m; t++)
            {
                int best = 0;
                for (int i = 0; i < k; i++)
                {
                    int at = (t * k) + i;
                    Within(double.CreateChecked(outputs[at]), h[at], lib.Outputs[at] + refb.Outputs[at], $"m = {m}: h[{t},{i}]");
                    best = h[at] > h[(t * k) + best] ? i : best;
                }

                int chosen = (t * k) + classes[t], top = (t * k) + best;
                if (classes[t] < 0 || classes[t] >= k || h[top] - h[chosen] > lib.Outputs[top] + lib.Outputs[chosen] + refb.Outputs[top] + refb.Outputs[chosen])
                {
                    failures.Add($"m = {m}: example {t} classed {classes[t]}, reference argmax {best}");
                }
            }
        }

        return (failures.Count == 0).Label($"{typeof(T).Name}, {engine}, {shape}: {string.Join("; ", failures.Take(3))}");

        void Within(double actual, double want, double tolerance, string what)
        {
            if (!(Math.Abs(actual - want) <= tolerance))
            {
                failures.Add($"{what} = {actual:R}, reference {want:R} (tolerance {tolerance:E2})");
            }
        }
    }
}
