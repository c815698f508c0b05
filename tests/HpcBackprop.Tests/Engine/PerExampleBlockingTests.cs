using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The per-example engine's block size (examples served per pass over the weights) does not change the
/// gradient: each Delta entry receives its per-example terms in example order whatever the blocking, and
/// the last block's outer product continues that order into D, saturated units included (each lane's exp
/// depends on its own argument alone, whichever activations share its vector). J may differ: its cost terms are
/// summed block by block, and which of them take the scalar tail of the vectorized sum depends on the block.
/// </summary>
[Trait("Category", "Simd")]
public class PerExampleBlockingTests
{
    private static readonly int[] BlockSizes = [.. Enumerable.Range(1, 16)];

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Float_gradient_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<float>(seed.Get);

    [Property(MaxTest = 40, QuietOnSuccess = true)]
    public Property Double_gradient_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<double>(seed.Get);

    // The first hidden layer's units 0 and 1 are driven to z >= +B and z <= -B for every example (B = 1000 in float,
    // 800 in double): e^-z underflows in unit 0's lane and overflows in unit 1's, while the other lanes of the same
    // vectors hold ordinary units.
    [Property(MaxTest = 20, QuietOnSuccess = true)]
    public Property Float_gradient_of_a_saturated_network_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<float>(seed.Get, saturate: true);

    [Property(MaxTest = 20, QuietOnSuccess = true)]
    public Property Double_gradient_of_a_saturated_network_is_the_same_for_every_block_size(PositiveInt seed) => SameForEveryBlockSize<double>(seed.Get, saturate: true);

    private static Property SameForEveryBlockSize<T>(int seed, bool saturate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Problem p = Problem.Create(seed, maxLayers: 4, maxSize: 40, maxM: 40);
        if (saturate)
        {
            // Features are in [-1, 1], so a bias of B + sum |weights| puts z beyond B whatever the example.
            double b = typeof(T) == typeof(float) ? 1000 : 800;
            int columns = p.Layout.ThetaColumns(0), offset = p.Layout.ThetaOffset(0);
            for (int i = 0; i < Math.Min(2, p.Layout.ThetaRows(0)); i++)
            {
                Span<double> row = p.Parameters.AsSpan(offset + (i * columns), columns);
                double sumAbs = 0;
                foreach (double w in row[1..])
                {
                    sumAbs += Math.Abs(w);
                }

                row[0] = (i == 0 ? 1 : -1) * (b + sumAbs);
            }
        }

        T[] theta = Numerics.Convert<T>(p.Parameters);
        T[] x = Numerics.Convert<T>(p.Features);
        T lambda = T.CreateChecked(p.Lambda);
        var y = new Supervision<T>(p.Labels, p.Layout.OutputSize);

        var first = new T[theta.Length];
        T j1 = PerExampleEngine.CostAndGradient(new Workspace<T>(p.Layout, 1), theta, x, y, lambda, first);

        // Two sums of m K non-negative cost terms, each within gamma(m K + 2) of the exact sum of its terms
        // (with the division by m and the regularization term, added the same way). Each term is a softplus,
        // evaluated by the vector or the scalar log (and exp: the same code on both, but a multiply-add may be
        // fused on one path only) depending on where it falls in its block: 4u each, as the sigmoid tests allow,
        // so the two evaluations of a term differ by at most 2 (4u + 4u).
        // J bounds the scaled sum of the terms, so both allowances are relative to J.
        double u = Numerics.UnitRoundoff<T>();
        int n = (p.M * p.Layout.OutputSize) + 2;
        double jTolerance = ((2 * (n * u / (1 - (n * u)))) + (16 * u)) * Math.Abs(double.CreateChecked(j1));
        foreach (int b in BlockSizes)
        {
            var gradient = new T[theta.Length];
            T j = PerExampleEngine.CostAndGradient(new Workspace<T>(p.Layout, b), theta, x, y, lambda, gradient);
            // Bit for bit: compared as bytes, so -0 against +0 or one NaN against another would count.
            if (!MemoryMarshal.AsBytes(gradient.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(first.AsSpan())))
            {
                int at = MemoryMarshal.AsBytes(gradient.AsSpan()).CommonPrefixLength(MemoryMarshal.AsBytes(first.AsSpan())) / Unsafe.SizeOf<T>();
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
