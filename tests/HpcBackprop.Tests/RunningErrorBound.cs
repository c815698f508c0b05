using HpcBackprop.Reference;
using HpcBackprop.Tests.Kernels;

namespace HpcBackprop.Tests;

/// <summary>
/// How far one floating-point evaluation of the spec's J, D and h may be from the exact values, per entry:
/// a running error bound (Higham, "Accuracy and Stability of Numerical Algorithms", ch. 3), carried through the
/// network beside the values, in double, for an evaluation with unit roundoff u. The products of two errors are
/// kept and the sums' gammas taken of the computed values' magnitudes (|a| + err(a)), so it holds when errors are
/// large too (saturated networks); only the gammas' own rounding, O(u^2) of them, is left out.
/// </summary>
/// <remarks>
/// <para>
/// Every rule holds for any summation order, with or without fused multiply-adds, so it bounds every engine:
/// a sum of k products p q is within gamma_k sum |p q| of the exact sum (gamma_k = k u / (1 - k u)), plus
/// sum |p| (error of q) for errors the operands carry in. With E = <see cref="Fp{T}.ElementaryUlpsInU"/>:
/// </para>
/// <list type="bullet">
/// <item>z = Theta [1; a]: gamma_(n+1) sum |Theta| [1; |a|] + sum |Theta| err(a).</item>
/// <item>a = g(z) (exp, add, divide): max g' over z +- err(z) times err(z), plus (E + 2) u a, plus 1 / MaxValue
/// where e^-z overflows and a becomes 0 (SigmoidTests: the kernel's documented floor), plus four subnormals.</item>
/// <item>A cost term, y softplus(-z) + (1 - y) softplus(z): (2 E + 9) u of the term (LogisticCostTests
/// derives it), plus max |g - y| over z +- err(z) times err(z).</item>
/// <item>d(L) = h - y: err(h) + u |d|. e = Theta' d: as z. d = e a (1 - a) in three operations: a (1 - a) err(e)
/// + |e| err(a) (|d(a(1 - a))/da| &lt;= 1) + 4 u |e| a (each rounding is at most u of a value no larger than |e| a).</item>
/// <item>Delta = sum over examples of d [1; a]': gamma_m sum |d| [1; |a|] + sum (err(d) [1; |a|] + |d| err(a)).</item>
/// <item>D = Delta / m + (lambda / m) Theta (off the bias column): err(Delta) / m + 4 u (|Delta| / m + lambda |Theta| / m).</item>
/// <item>J = sum of the m K terms / m + lambda / (2m) sum Theta^2: the terms' errors / m, gamma_(mK) of their sum / m,
/// (gamma_P + 4 u) of the regularization term, 2 u of J.</item>
/// </list>
/// <para>
/// Each rounding that lands in the subnormal range may instead be off by one subnormal: every bound adds one per
/// term summed. Two evaluations differ by at most the sum of their bounds. The literal reference computes
/// log(1 - h) from h, which loses digits as h nears 1; <see cref="LiteralCostExtra"/> is that extra error.
/// </para>
/// </remarks>
internal sealed class RunningErrorBound
{
    private const double E = Fp<double>.ElementaryUlpsInU;

    private RunningErrorBound(double j, double[] gradient, double[] outputs, double literalCostExtra)
    {
        J = j;
        Gradient = gradient;
        Outputs = outputs;
        LiteralCostExtra = literalCostExtra;
    }

    /// <summary>The bound on |J computed - J|.</summary>
    public double J { get; }

    /// <summary>The bound on each |D computed - D|, ParameterCount entries.</summary>
    public double[] Gradient { get; }

    /// <summary>The bound on each |h computed - h|, m x K.</summary>
    public double[] Outputs { get; }

    /// <summary>
    /// The extra error of J evaluated literally in this precision, y log h + (1 - y) log(1 - h) with h = g(z):
    /// per term (E + 3) u (y + (1 - y) / (1 - h)) over m, since 1 - h turns h's (E + 2) u of h into that much of 1 - h.
    /// </summary>
    public double LiteralCostExtra { get; }

    /// <summary>
    /// The bound for an evaluation with unit roundoff <paramref name="u"/> whose subnormal results may be off by
    /// <paramref name="subnormal"/>, on exact inputs (the values as stored in the type being bounded).
    /// </summary>
    /// <param name="layout">The network.</param>
    /// <param name="theta">The parameters, ParameterCount.</param>
    /// <param name="x">The features, m x s(1).</param>
    /// <param name="y">The targets, m x K (one-hot for labels).</param>
    /// <param name="lambda">The regularization parameter.</param>
    /// <param name="u">The unit roundoff.</param>
    /// <param name="subnormal">The smallest positive subnormal.</param>
    /// <param name="maxValue">The largest finite value.</param>
    public static RunningErrorBound For(NetworkLayout layout, double[] theta, double[] x, double[] y, double lambda, double u, double subnormal, double maxValue)
    {
        double sigmoidFloor = (1 / maxValue) + (4 * subnormal);
        int layers = layout.LayerCount, k = layout.OutputSize, m = x.Length / layout.InputSize;
        double Gamma(long terms) => terms * u / (1 - (terms * u));

        var a = new double[layers][];        // activations of one example (a[0] = x)
        var ea = new double[layers][];       // their error bounds
        var d = new double[layers][];        // error terms d(l), l >= 1
        var ed = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            a[l] = new double[layout.LayerSize(l)];
            ea[l] = new double[layout.LayerSize(l)];
            d[l] = new double[layout.LayerSize(l)];
            ed[l] = new double[layout.LayerSize(l)];
        }

        var delta = new double[theta.Length];     // sum over examples of d [1; a]'
        var deltaAbs = new double[theta.Length];  // sum of |d| [1; |a|]
        var deltaIn = new double[theta.Length];   // sum of err(d) [1; |a|] + |d| err(a)
        var outputs = new double[m * k];
        double costs = 0, costErrors = 0, literalExtra = 0;
        var zL = new double[k];
        var ezL = new double[k];

        for (int t = 0; t < m; t++)
        {
            Array.Copy(x, t * layout.InputSize, a[0], 0, layout.InputSize);
            Array.Clear(ea[0]);
            for (int l = 0; l + 1 < layers; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l), offset = layout.ThetaOffset(l);
                for (int i = 0; i < rows; i++)
                {
                    int row = offset + (i * columns);
                    double z = theta[row], sumAbs = Math.Abs(theta[row]), carried = 0;
                    for (int j = 1; j < columns; j++)
                    {
                        z += theta[row + j] * a[l][j - 1];
                        sumAbs += Math.Abs(theta[row + j]) * (Math.Abs(a[l][j - 1]) + ea[l][j - 1]); // of the computed a
                        carried += Math.Abs(theta[row + j]) * ea[l][j - 1];
                    }

                    double ez = (Gamma(columns) * sumAbs) + carried + (columns * subnormal);
                    double h = Sigmoid(z);
                    a[l + 1][i] = h;
                    ea[l + 1][i] = (SlopeBound(z, ez) * ez) + ((E + 2) * u * h) + sigmoidFloor;
                    if (l + 2 == layers)
                    {
                        zL[i] = z;
                        ezL[i] = ez;
                    }
                }
            }

            // The output layer: cost terms, h's bounds, d(L) = h - y.
            int last = layers - 1;
            for (int i = 0; i < k; i++)
            {
                double h = a[last][i], target = y[(t * k) + i], z = zL[i], ez = ezL[i];
                double term = (target * Softplus(-z)) + ((1 - target) * Softplus(z));
                double slope = Math.Min(1, Math.Max(Math.Abs(Sigmoid(z - ez) - target), Math.Abs(Sigmoid(z + ez) - target)));
                costs += term;
                costErrors += ((((2 * E) + 9) * u * term) + (slope * ez) + (4 * subnormal));
                literalExtra += (E + 3) * u * (target + ((1 - target) / (1 - h)));
                outputs[(t * k) + i] = ea[last][i];
                d[last][i] = h - target;
                ed[last][i] = ea[last][i] + (u * Math.Abs(h - target));
            }

            // Hidden layers, from the top: e = Theta(l)[:,1:]' d(l+1), d(l) = e a (1 - a).
            for (int l = last - 1; l >= 1; l--)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l), offset = layout.ThetaOffset(l);
                for (int j = 1; j < columns; j++)
                {
                    double e = 0, sumAbs = 0, carried = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        double w = theta[offset + (i * columns) + j];
                        e += w * d[l + 1][i];
                        sumAbs += Math.Abs(w) * (Math.Abs(d[l + 1][i]) + ed[l + 1][i]);
                        carried += Math.Abs(w) * ed[l + 1][i];
                    }

                    double ee = (Gamma(rows) * sumAbs) + carried + (rows * subnormal);
                    double act = a[l][j - 1], slope = act * (1 - act);
                    d[l][j - 1] = e * slope;
                    double eaj = ea[l][j - 1];
                    ed[l][j - 1] = (slope * ee) + (Math.Abs(e) * eaj) + (ee * eaj) + (4 * u * (Math.Abs(e) + ee) * (act + eaj)) + subnormal;
                }
            }

            // Delta(l) += d(l+1) [1; a(l)]'.
            for (int l = 0; l + 1 < layers; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l), offset = layout.ThetaOffset(l);
                for (int i = 0; i < rows; i++)
                {
                    double di = d[l + 1][i], edi = ed[l + 1][i];
                    for (int j = 0; j < columns; j++)
                    {
                        double aj = j == 0 ? 1 : a[l][j - 1], eaj = j == 0 ? 0 : ea[l][j - 1];
                        int at = offset + (i * columns) + j;
                        delta[at] += di * aj;
                        deltaAbs[at] += (Math.Abs(di) + edi) * (Math.Abs(aj) + eaj);
                        deltaIn[at] += (edi * Math.Abs(aj)) + (Math.Abs(di) * eaj) + (edi * eaj);
                    }
                }
            }
        }

        var gradient = new double[theta.Length];
        double squares = 0;
        for (int l = 0; l + 1 < layers; l++)
        {
            int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l), offset = layout.ThetaOffset(l);
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    int at = offset + (i * columns) + j;
                    double regularization = j == 0 ? 0 : lambda * Math.Abs(theta[at]) / m;
                    squares += j == 0 ? 0 : theta[at] * theta[at];
                    double deltaError = (Gamma(m) * deltaAbs[at]) + deltaIn[at] + (m * subnormal);
                    gradient[at] = (deltaError / m) + (4 * u * ((Math.Abs(delta[at]) / m) + regularization)) + (2 * subnormal);
                }
            }
        }

        double data = costs / m, penalty = lambda / (2.0 * m) * squares;
        double jBound = (costErrors / m) + (Gamma((long)m * k) * data) + ((Gamma(theta.Length) + (4 * u)) * penalty)
            + (2 * u * (data + penalty)) + (2 * subnormal);
        return new RunningErrorBound(jBound, gradient, outputs, literalExtra / m);
    }

    /// <summary>The bound for T, and for the double reference that runs on the same values.</summary>
    public static (RunningErrorBound Library, RunningErrorBound Reference) ForLibraryAndReference<T>(
        NetworkLayout layout, double[] theta, double[] x, double[] y, double lambda)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => (For(layout, theta, x, y, lambda, Fp<T>.U, Fp<T>.Subnormal, Fp<T>.MaxValue),
            For(layout, theta, x, y, lambda, Fp<double>.U, Fp<double>.Subnormal, Fp<double>.MaxValue));

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    // The largest g'(z) = g(z)(1 - g(z)) over [z - ez, z + ez]: at the point nearest 0, as e^-v / (1 + e^-v)^2,
    // which keeps its digits where g(v) rounds to 1 (g (1 - g) would give 0 there).
    private static double SlopeBound(double z, double ez)
    {
        double q = Math.Exp(-Math.Max(0, Math.Abs(z) - ez));
        return q / ((1 + q) * (1 + q));
    }
}

/// <summary>
/// The literal reference's J and D, in double on the values as stored in T, and how far an evaluation in T may be
/// from each: both evaluations' <see cref="RunningErrorBound"/>s added, and for J the reference's literal log(1 - h).
/// </summary>
internal sealed record ReferenceWithTolerance(double J, double[] Gradient, double JTolerance, double[] GradientTolerance, RunningErrorBound Library)
{
    /// <summary>For labels (<paramref name="targets"/> null) or dense targets.</summary>
    public static ReferenceWithTolerance Of<T>(NetworkLayout layout, T[] theta, T[] x, int[] labels, T[]? targets, T lambda)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double[] thetaD = Numerics.ToDouble(theta), xD = Numerics.ToDouble(x);
        double lambdaD = double.CreateChecked(lambda);
        double[]? yD = targets is null ? null : Numerics.ToDouble(targets);
        var expected = new double[theta.Length];
        double j = yD is null
            ? ReferenceBackprop.CostAndGradient<double>(layout, thetaD, xD, labels, lambdaD, expected)
            : ReferenceBackprop.CostAndGradient<double>(layout, thetaD, xD, yD, lambdaD, expected);
        var (library, reference) = RunningErrorBound.ForLibraryAndReference<T>(
            layout, thetaD, xD, yD ?? Numerics.OneHot(labels, layout.OutputSize), lambdaD);
        var tolerance = new double[expected.Length];
        for (int i = 0; i < tolerance.Length; i++)
        {
            tolerance[i] = library.Gradient[i] + reference.Gradient[i];
        }

        return new ReferenceWithTolerance(j, expected, library.J + reference.J + reference.LiteralCostExtra, tolerance, library);
    }
}
