using System.Numerics;
using HpcBackprop.Kernels.Gemm;
using GemmKernel = HpcBackprop.Kernels.Gemm.Gemm;

namespace HpcBackprop.Tests.Gemm;

/// <summary>One random GEMM problem, its naive product in double, and the rounding bound it must meet.</summary>
internal sealed class GemmCase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public required int M { get; init; }

    public required int N { get; init; }

    public required int K { get; init; }

    public required bool TransA { get; init; }

    public required bool TransB { get; init; }

    public required T Beta { get; init; }

    public required bool UseBias { get; init; }

    public required int Lda { get; init; }

    public required int Ldb { get; init; }

    public required int Ldc { get; init; }

    public required T[] A { get; init; }

    public required T[] B { get; init; }

    public required T[] Bias { get; init; }

    /// <summary>C before the call; NaN where beta = 0 (it must not be read) and in the padding past column n.</summary>
    public required T[] C0 { get; init; }

    public GemmOperand<T> OperandA => new(A, M, K, Lda, TransA);

    public GemmOperand<T> OperandB => new(B, K, N, Ldb, TransB);

    public ReadOnlySpan<T> BiasSpan => UseBias ? Bias : ReadOnlySpan<T>.Empty;

    /// <summary>Sizes that hit the edges of the blocking: 1, MR +- 1, NR +- 1, KC +- 1, and primes.</summary>
    public static int[] InterestingSizes(GemmBlocking b) =>
        [1, 2, 3, b.MR - 1, b.MR, b.MR + 1, b.NR - 1, b.NR, b.NR + 1, (2 * b.NR) + 1, 7, 13, 31, 37, b.KC - 1, b.KC, b.KC + 1];

    public static GemmCase<T> Random(int seed, int maxWork)
    {
        var rng = new Random(seed);
        GemmBlocking blocking = GemmBlocking.ForActiveWidth<T>();
        int[] sizes = InterestingSizes(blocking);
        int Pick() => rng.Next(3) == 0 ? rng.Next(1, 60) : sizes[rng.Next(sizes.Length)];
        int m, n, k;
        do
        {
            (m, n, k) = (Pick(), Pick(), Pick());
        }
        while ((long)m * n * k > maxWork);

        T beta = rng.Next(3) switch { 0 => T.Zero, 1 => T.One, _ => T.CreateChecked(0.5) };
        return Create(rng, m, n, k, rng.Next(2) == 0, rng.Next(2) == 0, beta, beta == T.Zero && rng.Next(2) == 0);
    }

    public static GemmCase<T> Create(Random rng, int m, int n, int k, bool transA, bool transB, T beta, bool useBias)
    {
        // A leading dimension is at least 1 even for an empty stored row (the BLAS convention).
        int lda = Math.Max(1, (transA ? m : k) + rng.Next(3));
        int ldb = Math.Max(1, (transB ? k : n) + rng.Next(3));
        int ldc = n + rng.Next(3);
        var c0 = new T[m * ldc];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                c0[(i * ldc) + j] = j < n && beta != T.Zero ? Next(rng) : T.NaN;
            }
        }

        return new GemmCase<T>
        {
            M = m, N = n, K = k, TransA = transA, TransB = transB, Beta = beta, UseBias = useBias,
            Lda = lda, Ldb = ldb, Ldc = ldc,
            A = Fill(rng, (transA ? k : m) * lda),
            B = Fill(rng, (transB ? n : k) * ldb),
            Bias = Fill(rng, n),
            C0 = c0,
        };
    }

    private static T Next(Random rng) => T.CreateChecked((2 * rng.NextDouble()) - 1);

    private static T[] Fill(Random rng, int length)
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = Next(rng);
        }

        return values;
    }

    public double AElement(int i, int p) => double.CreateChecked(TransA ? A[(p * Lda) + i] : A[(i * Lda) + p]);

    public double BElement(int p, int j) => double.CreateChecked(TransB ? B[(j * Ldb) + p] : B[(p * Ldb) + j]);

    /// <summary>
    /// The exact-as-double value of C(i, j), and the sum of the magnitudes of its terms (the scale of
    /// its rounding error).
    /// </summary>
    public (double Value, double Magnitude) Expected(int i, int j)
    {
        double start = 0;
        if (Beta != T.Zero)
        {
            start = double.CreateChecked(Beta) * double.CreateChecked(C0[(i * Ldc) + j]);
        }

        double magnitude = Math.Abs(start);
        if (UseBias)
        {
            start += double.CreateChecked(Bias[j]);
            magnitude += Math.Abs(double.CreateChecked(Bias[j]));
        }

        double sum = start;
        for (int p = 0; p < K; p++)
        {
            double term = AElement(i, p) * BElement(p, j);
            sum += term;
            magnitude += Math.Abs(term);
        }

        return (sum, magnitude);
    }

    /// <summary>
    /// The largest difference a correct GEMM in T may show against <see cref="Expected"/>.
    /// </summary>
    /// <remarks>
    /// C(i, j) is a sum of k products and up to two start values (beta C, the bias, or both). Whatever the order of
    /// the additions (the blocking only regroups them) and whether products are fused into the
    /// additions, the computed sum s' of n terms obeys |s' - s| &lt;= gamma(n) sum |terms|, with
    /// gamma(n) = n u / (1 - n u) and u the unit roundoff (Higham, Accuracy and Stability of Numerical
    /// Algorithms, 2nd ed., section 3.1): here at most n = k + 2 terms, plus one rounding for beta C when beta is
    /// neither 0 nor 1, so gamma(k + 3) bounds it. The expected value is computed in double, carrying its
    /// own gamma(k + 3) with u = 2^-53, so the allowed difference is the sum of the two.
    /// </remarks>
    public double Tolerance(double magnitude)
        => (Gamma(K + 3, Tests.Numerics.UnitRoundoff<T>()) + Gamma(K + 3, Math.Pow(2, -53))) * magnitude;

    public static double Gamma(int n, double u) => n * u / (1 - (n * u));

    public T[] Run(GemmPathChoice? path = null)
    {
        T[] c = (T[])C0.Clone();
        GemmKernel.Compute(OperandA, OperandB, Beta, BiasSpan, c, Ldc, default(NoEpilogue<T>), path);
        return c;
    }

    public override string ToString()
        => $"{typeof(T).Name} m={M} n={N} k={K} op(A)={(TransA ? "A'" : "A")} op(B)={(TransB ? "B'" : "B")} beta={Beta} bias={UseBias} lda={Lda} ldb={Ldb} ldc={Ldc}";
}
