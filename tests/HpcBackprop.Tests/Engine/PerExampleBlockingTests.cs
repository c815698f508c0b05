using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The per-example engine's block size (examples served per pass over the weights) does not change the
/// gradient: each Delta entry receives its per-example terms in example order whatever the blocking, and
/// the last block's outer product continues that order into D. J's cost terms are summed block by block,
/// so J may differ, within the rounding of a sum of m K non-negative terms.
/// </summary>
[Trait("Category", "Simd")]
public class PerExampleBlockingTests
{
    private static readonly int[] BlockSizes = [1, 2, 3, 4, 5, 7, 8, 9, 16];

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Float_gradient_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<float>(seed.Get);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Double_gradient_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<double>(seed.Get);

    private static Property SameForEveryBlockSize<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Problem p = Problem.Create(seed, maxLayers: 4, maxSize: 40, maxM: 40);
        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T lambda = T.CreateChecked(p.Lambda);
        var y = new Supervision<T>(p.Labels, p.Layout.OutputSize);

        var first = new T[theta.Length];
        T j1 = PerExampleEngine.CostAndGradient(new Workspace<T>(p.Layout, 1), theta, x, y, lambda, first);

        // Two sums of the same m K non-negative cost terms, each within gamma(m K) of the exact sum, then
        // the division by m and the regularization term added the same way: gamma(m K + 2) each.
        double u = Numerics.UnitRoundoff<T>();
        int n = (p.M * p.Layout.OutputSize) + 2;
        double jTolerance = 2 * (n * u / (1 - (n * u))) * Math.Abs(double.CreateChecked(j1));
        foreach (int b in BlockSizes)
        {
            var gradient = new T[theta.Length];
            T j = PerExampleEngine.CostAndGradient(new Workspace<T>(p.Layout, b), theta, x, y, lambda, gradient);
            if (!gradient.AsSpan().SequenceEqual(first))
            {
                int at = gradient.AsSpan().CommonPrefixLength(first);
                return false.Label($"{p}: block {b} gives D[{at}] = {gradient[at]}, block 1 {first[at]}");
            }

            double dj = Math.Abs(double.CreateChecked(j) - double.CreateChecked(j1));
            if (dj > jTolerance)
            {
                return false.Label($"{p}: block {b} gives J = {j}, block 1 {j1} (tolerance {jTolerance:G3})");
            }
        }

        return true.ToProperty();
    }
}
