using HpcBackprop.Training;

namespace HpcBackprop.Tests.Training;

/// <summary>
/// The two-loop recursion of L-BFGS against the dense BFGS inverse update it stands for:
/// H0 = (s'y / y'y) I from the newest pair, then, oldest pair first, H = (I - rho s y') H (I - rho y s') + rho s s',
/// rho = 1 / y's. Only the last Capacity accepted pairs count; a pair with y's &lt;= 0 is not stored.
/// </summary>
public class LbfgsHistoryTests
{
    private const int N = 6;

    [Fact]
    public void Direction_is_minus_the_dense_BFGS_inverse_times_g_over_the_last_pairs()
    {
        var random = new Random(11);
        double[,] a = SymmetricPositiveDefinite(random);
        var history = new LbfgsHistory<double>(3, N);
        var pairs = new List<(double[] S, double[] Y)>();
        for (int i = 0; i < 5; i++)
        {
            double[] s = RandomVector(random), y = Multiply(a, s);
            Assert.True(history.TryAdd(new double[N], s, new double[N], y));
            pairs.Add((s, y));
        }

        Assert.Equal(3, history.Count);
        AssertDirection(history, pairs.Skip(2).ToList(), RandomVector(random));
    }

    [Fact]
    public void A_pair_of_negative_curvature_is_rejected_and_leaves_the_stored_pairs_as_they_were()
    {
        var random = new Random(12);
        double[,] a = SymmetricPositiveDefinite(random);
        var history = new LbfgsHistory<double>(2, N);
        var pairs = new List<(double[] S, double[] Y)>();
        for (int i = 0; i < 2; i++)
        {
            double[] s = RandomVector(random), y = Multiply(a, s);
            Assert.True(history.TryAdd(new double[N], s, new double[N], y));
            pairs.Add((s, y));
        }

        // y = -A s: y's < 0. The history is full, so its slot would be the oldest pair's.
        double[] badStep = RandomVector(random), badChange = Multiply(a, badStep);
        for (int i = 0; i < N; i++)
        {
            badChange[i] = -badChange[i];
        }

        Assert.False(history.TryAdd(new double[N], badStep, new double[N], badChange));
        Assert.Equal(2, history.Count);
        AssertDirection(history, pairs, RandomVector(random));
    }

    [Fact]
    public void Without_pairs_the_direction_is_minus_g()
    {
        var history = new LbfgsHistory<double>(4, N);
        double[] g = RandomVector(new Random(13)), d = new double[N];
        history.NegativeProduct(g, d);
        Assert.Equal(g.Select(v => -v), d);
    }

    private static void AssertDirection(LbfgsHistory<double> history, List<(double[] S, double[] Y)> pairs, double[] g)
    {
        double[,] h = DenseInverse(pairs);
        double[] expected = Multiply(h, g).Select(v => -v).ToArray();
        var actual = new double[N];
        history.NegativeProduct(g, actual);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < N; i++)
        {
            // Both are a few dozen well-conditioned double operations on values of order 1.
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * scale, $"entry {i}: {actual[i]} against {expected[i]}");
        }
    }

    private static double[,] DenseInverse(List<(double[] S, double[] Y)> pairs)
    {
        (double[] sn, double[] yn) = pairs[^1];
        double gamma = Dot(sn, yn) / Dot(yn, yn);
        var h = new double[N, N];
        for (int i = 0; i < N; i++)
        {
            h[i, i] = gamma;
        }

        foreach ((double[] s, double[] y) in pairs)
        {
            double rho = 1 / Dot(y, s);
            var left = new double[N, N];  // I - rho s y'
            var right = new double[N, N]; // I - rho y s'
            for (int i = 0; i < N; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    left[i, j] = (i == j ? 1 : 0) - (rho * s[i] * y[j]);
                    right[i, j] = (i == j ? 1 : 0) - (rho * y[i] * s[j]);
                }
            }

            h = Multiply(Multiply(left, h), right);
            for (int i = 0; i < N; i++)
            {
                for (int j = 0; j < N; j++)
                {
                    h[i, j] += rho * s[i] * s[j];
                }
            }
        }

        return h;
    }

    private static double[,] SymmetricPositiveDefinite(Random random)
    {
        var b = new double[N, N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                b[i, j] = random.NextDouble() - 0.5;
            }
        }

        var a = new double[N, N]; // B'B + I
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = i == j ? 1 : 0;
                for (int k = 0; k < N; k++)
                {
                    sum += b[k, i] * b[k, j];
                }

                a[i, j] = sum;
            }
        }

        return a;
    }

    private static double[] RandomVector(Random random) => Enumerable.Range(0, N).Select(_ => random.NextDouble() - 0.5).ToArray();

    private static double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();

    private static double[] Multiply(double[,] m, double[] v)
        => Enumerable.Range(0, N).Select(i => Enumerable.Range(0, N).Sum(j => m[i, j] * v[j])).ToArray();

    private static double[,] Multiply(double[,] p, double[,] q)
    {
        var r = new double[N, N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0;
                for (int k = 0; k < N; k++)
                {
                    sum += p[i, k] * q[k, j];
                }

                r[i, j] = sum;
            }
        }

        return r;
    }
}
