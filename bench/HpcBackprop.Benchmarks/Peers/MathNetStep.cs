using System.Numerics;
using System.Runtime.InteropServices;
using HpcBackprop.Benchmarks.Steps;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace HpcBackprop.Benchmarks.Peers;

/// <summary>
/// The batched form of the spec with MathNet.Numerics 5.0.0 dense matrices and its managed linear-algebra
/// provider: Z = H W' (TransposeAndMultiply), D(l) = D(l+1) W (Multiply), Delta = D' H
/// (TransposeThisAndMultiply), all into matrices allocated once. The bias add, the sigmoid and g' run as
/// plain loops over MathNet's column-major storage (MathNet has no fused form of them), and the gradient
/// is copied into the flat row-major vector the library's contract uses.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class MathNetStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkLayout _layout;
    private readonly int _m;
    private readonly Matrix<T>[] _w;      // W(k) = Theta(k+1)[:,1:], s(k+2) x s(k+1)
    private readonly T[][] _b;            // b(k) = Theta(k+1)[:,0]
    private readonly Matrix<T>[] _h;      // H(0) = X, H(k) = activations, m x s(k+1)
    private readonly Matrix<T>[] _d;      // D(k), m x s(k+1), k >= 1
    private readonly Matrix<T>[] _gw;     // D(k+1)' H(k)

    /// <summary>Copies the parameters and the features into MathNet matrices (once, outside the timing).</summary>
    public MathNetStep(StepData<T> data, int threads)
    {
        Control.UseManaged();
        Control.MaxDegreeOfParallelism = threads;
        if (threads == 1)
        {
            Control.UseSingleThread();
        }

        NetworkLayout layout = data.Layout;
        _layout = layout;
        _m = data.Examples;
        int count = layout.ThetaCount;
        _w = new Matrix<T>[count];
        _b = new T[count][];
        _gw = new Matrix<T>[count];
        for (int k = 0; k < count; k++)
        {
            int rows = layout.ThetaRows(k), columns = layout.ThetaColumns(k), offset = layout.ThetaOffset(k);
            T[] p = data.Parameters;
            _w[k] = Matrix<T>.Build.Dense(rows, columns - 1, (i, j) => p[offset + (i * columns) + j + 1]);
            _b[k] = Enumerable.Range(0, rows).Select(i => p[offset + (i * columns)]).ToArray();
            _gw[k] = Matrix<T>.Build.Dense(rows, columns - 1);
        }

        int inputs = layout.InputSize;
        T[] x = data.Features;
        _h = new Matrix<T>[layout.LayerCount];
        _d = new Matrix<T>[layout.LayerCount];
        _h[0] = Matrix<T>.Build.Dense(_m, inputs, (t, j) => x[(t * inputs) + j]);
        for (int l = 1; l < layout.LayerCount; l++)
        {
            _h[l] = Matrix<T>.Build.Dense(_m, layout.LayerSize(l));
            _d[l] = Matrix<T>.Build.Dense(_m, layout.LayerSize(l));
        }
    }

    /// <summary>Computes J and writes the gradient into <paramref name="data"/>.Gradient.</summary>
    public T Run(StepData<T> data)
    {
        int last = _layout.LayerCount - 1;
        int m = _m;
        for (int k = 0; k < last; k++)
        {
            _h[k].TransposeAndMultiply(_w[k], _h[k + 1]);
            Span<T> z = Storage(_h[k + 1]);
            T[] bias = _b[k];
            for (int j = 0; j < bias.Length; j++)
            {
                Span<T> column = z.Slice(j * m, m);
                for (int t = 0; t < m; t++)
                {
                    column[t] = T.One / (T.One + T.Exp(-(column[t] + bias[j])));
                }
            }
        }

        // Cost and D(L) = H(L) - Y.
        T cost = T.Zero;
        Span<T> h = Storage(_h[last]);
        Span<T> dOut = Storage(_d[last]);
        for (int j = 0; j < _layout.OutputSize; j++)
        {
            for (int t = 0; t < m; t++)
            {
                T value = h[(j * m) + t];
                bool hot = data.Labels[t] == j;
                cost -= hot ? T.Log(value) : T.Log(T.One - value);
                dOut[(j * m) + t] = hot ? value - T.One : value;
            }
        }

        T examples = T.CreateTruncating(m);
        T scale = data.Lambda / examples;
        T squares = T.Zero;
        Span<T> gradient = data.Gradient;
        for (int k = last - 1; k >= 0; k--)
        {
            _d[k + 1].TransposeThisAndMultiply(_h[k], _gw[k]);
            if (k > 0)
            {
                _d[k + 1].Multiply(_w[k], _d[k]);
                Span<T> d = Storage(_d[k]);
                Span<T> a = Storage(_h[k]);
                for (int i = 0; i < d.Length; i++)
                {
                    d[i] *= a[i] * (T.One - a[i]);
                }
            }

            // Gradient rows, row-major, from column-major gW and W; the bias column from D's column sums.
            int rows = _layout.ThetaRows(k), columns = _layout.ThetaColumns(k), offset = _layout.ThetaOffset(k);
            Span<T> gw = Storage(_gw[k]);
            Span<T> w = Storage(_w[k]);
            Span<T> dk = Storage(_d[k + 1]);
            for (int i = 0; i < rows; i++)
            {
                T sum = T.Zero;
                foreach (T v in dk.Slice(i * m, m))
                {
                    sum += v;
                }

                gradient[offset + (i * columns)] = sum / examples;
                for (int j = 1; j < columns; j++)
                {
                    T weight = w[((j - 1) * rows) + i];
                    gradient[offset + (i * columns) + j] = (gw[((j - 1) * rows) + i] / examples) + (scale * weight);
                    squares += weight * weight;
                }
            }
        }

        return (cost / examples) + (scale * squares / T.CreateTruncating(2));
    }

    private static Span<T> Storage(Matrix<T> matrix)
        => matrix.AsColumnMajorArray() ?? throw new InvalidOperationException("Expected dense column-major storage.");
}
