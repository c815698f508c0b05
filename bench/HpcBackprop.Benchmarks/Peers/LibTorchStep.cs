using System.Numerics;
using System.Runtime.InteropServices;
using HpcBackprop.Benchmarks.Steps;
using TorchSharp;
using static TorchSharp.torch;

namespace HpcBackprop.Benchmarks.Peers;

/// <summary>
/// The batched step in libtorch (TorchSharp-cpu 0.107.0, libtorch 2.10 CPU) with
/// <c>torch.set_num_threads</c> equal to the thread count compared. Two forms: matmuls with a hand-written
/// backward (its fastest form), and autograd (its most common form). Each step runs in a
/// <c>NewDisposeScope</c> and ends by copying the gradient into the flat row-major vector, as the library's
/// contract does (a cost of one pass over W elements, small beside the step).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class LibTorchStep<T> : IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _m;
    private readonly double _inverseM;    // 1/m as a double: an integer Scalar makes libtorch pick an integer result type
    private readonly double _lambda;
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly Tensor[] _w;     // s(k+2) x s(k+1)
    private readonly Tensor[] _b;     // s(k+2)
    private readonly int[] _offsets;

    /// <summary>Copies parameters, features and one-hot targets into tensors (outside the timing).</summary>
    public LibTorchStep(StepData<T> data, int threads, bool autograd)
    {
        LibTorch.Require();
        set_num_threads(threads);
        NetworkLayout layout = data.Layout;
        _m = data.Examples;
        _inverseM = 1.0 / _m;
        _lambda = double.CreateTruncating(data.Lambda);
        ScalarType type = typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Float64;
        _x = FromArray(data.Features, [_m, layout.InputSize], type);
        var oneHot = new T[_m * layout.OutputSize];
        for (int t = 0; t < _m; t++)
        {
            oneHot[(t * layout.OutputSize) + data.Labels[t]] = T.One;
        }

        _y = FromArray(oneHot, [_m, layout.OutputSize], type);

        _w = new Tensor[layout.ThetaCount];
        _b = new Tensor[layout.ThetaCount];
        _offsets = new int[layout.ThetaCount];
        for (int k = 0; k < layout.ThetaCount; k++)
        {
            int rows = layout.ThetaRows(k), columns = layout.ThetaColumns(k);
            _offsets[k] = layout.ThetaOffset(k);
            using Tensor theta = FromArray(data.Parameters.AsSpan(_offsets[k], rows * columns).ToArray(), [rows, columns], type);
            _w[k] = theta[.., 1..].contiguous().requires_grad_(autograd);
            _b[k] = theta[.., 0].contiguous().requires_grad_(autograd);
        }
    }

    /// <summary>Forward with addmm and in-place sigmoid, backward written out with matmuls.</summary>
    public T RunHandBackward(Span<T> gradient)
    {
        using var scope = NewDisposeScope();
        int count = _w.Length;
        var h = new Tensor[count + 1];
        h[0] = _x;
        for (int k = 0; k < count; k++)
        {
            h[k + 1] = addmm(_b[k], h[k], _w[k].t(), 1, 1).sigmoid_();
        }

        Tensor cost = nn.functional.binary_cross_entropy(h[count], _y, reduction: nn.Reduction.Sum).mul_(_inverseM);
        Tensor dz = h[count] - _y;
        for (int k = count - 1; k >= 0; k--)
        {
            Tensor gw = dz.t().mm(h[k]).mul_(_inverseM).add_(_w[k], alpha: _lambda * _inverseM);
            Tensor gb = dz.sum(dim: 0).mul_(_inverseM);   // named: a literal 0 would bind to sum(ScalarType) = Byte
            CopyOut(gradient, k, gb, gw);
            cost += _w[k].square().sum() * (_lambda * _inverseM / 2);
            if (k > 0)
            {
                Tensor a = h[k];
                dz = dz.mm(_w[k]).mul_(a).mul_(1.0 - a);
            }
        }

        return cost.item<T>();
    }

    /// <summary>The same network and loss, differentiated by autograd.</summary>
    public T RunAutograd(Span<T> gradient)
    {
        using var scope = NewDisposeScope();
        int count = _w.Length;
        foreach (Tensor p in _w.Concat(_b))
        {
            p.grad?.zero_();
        }

        Tensor h = _x;
        for (int k = 0; k < count; k++)
        {
            h = addmm(_b[k], h, _w[k].t(), 1, 1).sigmoid();
        }

        Tensor loss = nn.functional.binary_cross_entropy(h, _y, reduction: nn.Reduction.Sum).mul_(_inverseM);
        for (int k = 0; k < count; k++)
        {
            loss += _w[k].square().sum() * (_lambda * _inverseM / 2);
        }

        loss.backward();
        for (int k = 0; k < count; k++)
        {
            CopyOut(gradient, k, _b[k].grad!, _w[k].grad!);
        }

        return loss.item<T>();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _w.Concat(_b).Append(_x).Append(_y))
        {
            t.Dispose();
        }
    }

    private void CopyOut(Span<T> gradient, int k, Tensor gb, Tensor gw)
    {
        // cat gives a contiguous row-major [gb | gW]: exactly Theta's layout. Its bytes are read in place.
        using Tensor theta = cat([gb.unsqueeze(1), gw], 1);
        ReadOnlySpan<byte> raw = theta.bytes;
        MemoryMarshal.Cast<byte, T>(raw).CopyTo(gradient[_offsets[k]..]);
    }

    private static Tensor FromArray(T[] values, long[] shape, ScalarType type)
        => typeof(T) == typeof(float)
            ? tensor((float[])(object)values, shape, type)
            : tensor((double[])(object)values, shape, type);
}
