using System.Numerics;
using System.Numerics.Tensors;
using HpcBackprop.Benchmarks.Steps;

namespace HpcBackprop.Benchmarks.Peers;

/// <summary>
/// The per-example backprop loop of the spec composed from TensorPrimitives (System.Numerics.Tensors):
/// Dot per row for the forward GEMV, MultiplyAdd per row for the transposed GEMV and for the rank-1
/// update, Sigmoid, Multiply/Subtract for g'. This is what a .NET developer gets from the BCL's SIMD
/// library without writing kernels; the cost terms (K of them per example) are plain scalar code.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class TensorPrimitivesStep<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NetworkLayout _layout;
    private readonly T[][] _a;       // a(l) without the bias unit, l = 1..L (a[0] unused: x is read in place)
    private readonly T[][] _d;       // d(l), l = 2..L
    private readonly T[] _scratch;
    private readonly T[] _delta;

    /// <summary>Allocates the per-layer buffers once.</summary>
    public TensorPrimitivesStep(NetworkLayout layout)
    {
        _layout = layout;
        _a = layout.Sizes.Select(s => new T[s]).ToArray();
        _d = layout.Sizes.Select(s => new T[s]).ToArray();
        _scratch = new T[layout.MaxLayerSize + 1];
        _delta = new T[layout.ParameterCount];
    }

    /// <summary>Computes J and writes the gradient for all examples of <paramref name="data"/>.</summary>
    public T Run(StepData<T> data)
    {
        NetworkLayout layout = _layout;
        int last = layout.LayerCount - 1;
        int inputs = layout.InputSize;
        T[] theta = data.Parameters;
        _delta.AsSpan().Clear();
        T cost = T.Zero;
        for (int t = 0; t < data.Examples; t++)
        {
            ReadOnlySpan<T> x = data.Features.AsSpan(t * inputs, inputs);

            // Forward: z_i = theta[i,0] + theta[i,1:] . a(l), a(l+1) = g(z).
            for (int k = 0; k < last; k++)
            {
                ReadOnlySpan<T> previous = k == 0 ? x : _a[k];
                ReadOnlySpan<T> weights = theta.AsSpan(layout.ThetaOffset(k), layout.ThetaLength(k));
                int columns = layout.ThetaColumns(k);
                Span<T> z = _a[k + 1];
                for (int i = 0; i < z.Length; i++)
                {
                    ReadOnlySpan<T> row = weights.Slice(i * columns, columns);
                    z[i] = row[0] + TensorPrimitives.Dot(row[1..], previous);
                }

                TensorPrimitives.Sigmoid<T>(z, z);
            }

            // Cost terms and d(L) = h - y.
            Span<T> h = _a[last];
            Span<T> dOut = _d[last];
            int label = data.Labels[t];
            for (int j = 0; j < h.Length; j++)
            {
                bool hot = j == label;
                cost -= hot ? T.Log(h[j]) : T.Log(T.One - h[j]);
                dOut[j] = hot ? h[j] - T.One : h[j];
            }

            // Backward: Delta(k) += d(k+1) a(k)'; d(k) = (Theta(k)' d(k+1))[1:] .* a(k) .* (1 - a(k)).
            for (int k = last - 1; k >= 0; k--)
            {
                ReadOnlySpan<T> previous = k == 0 ? x : _a[k];
                ReadOnlySpan<T> next = _d[k + 1];
                int columns = layout.ThetaColumns(k);
                Span<T> delta = _delta.AsSpan(layout.ThetaOffset(k), layout.ThetaLength(k));
                if (k > 0)
                {
                    ReadOnlySpan<T> weights = theta.AsSpan(layout.ThetaOffset(k), layout.ThetaLength(k));
                    Span<T> e = _d[k];
                    e.Clear();
                    for (int i = 0; i < next.Length; i++)
                    {
                        TensorPrimitives.MultiplyAdd(weights.Slice((i * columns) + 1, columns - 1), next[i], e, e);
                    }

                    Span<T> product = _scratch.AsSpan(0, e.Length);
                    TensorPrimitives.Multiply(e, previous, e);
                    TensorPrimitives.Multiply(e, previous, product);
                    TensorPrimitives.Subtract(e, product, e);
                }

                for (int i = 0; i < next.Length; i++)
                {
                    Span<T> row = delta.Slice(i * columns, columns);
                    row[0] += next[i];
                    TensorPrimitives.MultiplyAdd(previous, next[i], row[1..], row[1..]);
                }
            }
        }

        // D = Delta / m + (lambda / m) Theta off the bias column; J += lambda / (2m) sum Theta[:,1:]^2.
        T m = T.CreateTruncating(data.Examples);
        T scale = data.Lambda / m;
        Span<T> gradient = data.Gradient;
        TensorPrimitives.Divide(_delta, m, gradient);
        T squares = T.Zero;
        for (int k = 0; k < last; k++)
        {
            int columns = layout.ThetaColumns(k);
            int offset = layout.ThetaOffset(k);
            for (int i = 0; i < layout.ThetaRows(k); i++)
            {
                ReadOnlySpan<T> row = theta.AsSpan(offset + (i * columns) + 1, columns - 1);
                Span<T> g = gradient.Slice(offset + (i * columns) + 1, columns - 1);
                TensorPrimitives.MultiplyAdd(row, scale, g, g);
                squares += TensorPrimitives.SumOfSquares(row);
            }
        }

        return (cost / m) + (scale * squares / T.CreateTruncating(2));
    }
}
