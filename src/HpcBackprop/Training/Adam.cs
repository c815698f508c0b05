using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// Adam (Kingma and Ba, 2015) on mini-batches: running means of the gradient and of its square, bias-corrected,
/// give each parameter its own step: x -= eta m^ / (sqrt(v^) + epsilon).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>The moments are kept in double even for float parameters: v holds squares that underflow float early.</remarks>
public sealed class Adam<T> : MiniBatchOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _beta1 = 0.9, _beta2 = 0.999, _epsilon = 1e-8;
    private double[] _m = [], _v = [];

    /// <summary>Creates the optimizer; the default learning rate is 0.001, as in the paper.</summary>
    public Adam()
        : base(0.001)
    {
    }

    /// <summary>The decay of the gradient mean, in [0, 1). Default 0.9.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public double Beta1
    {
        get => _beta1;
        init => _beta1 = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Beta1), value, "Expected a decay in [0, 1).");
    }

    /// <summary>The decay of the squared-gradient mean, in [0, 1). Default 0.999.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public double Beta2
    {
        get => _beta2;
        init => _beta2 = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Beta2), value, "Expected a decay in [0, 1).");
    }

    /// <summary>Added to sqrt(v^) so that parameters with tiny gradients do not take huge steps. Default 1e-8.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    public double Epsilon
    {
        get => _epsilon;
        init => _epsilon = double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epsilon), value, "Expected a finite epsilon > 0.");
    }

    private protected override void Prepare(int n)
    {
        if (_m.Length != n)
        {
            _m = new double[n];
            _v = new double[n];
        }

        Array.Clear(_m);
        Array.Clear(_v);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private protected override void Update(Span<T> x, ReadOnlySpan<T> g, long step)
    {
        double correction1 = 1 - Math.Pow(_beta1, step), correction2 = 1 - Math.Pow(_beta2, step);
        double stepSize = LearningRate / correction1;
        double[] m = _m, v = _v;
        for (int i = 0; i < x.Length; i++)
        {
            double gi = double.CreateTruncating(g[i]);
            m[i] = (_beta1 * m[i]) + ((1 - _beta1) * gi);
            v[i] = (_beta2 * v[i]) + ((1 - _beta2) * gi * gi);
            x[i] -= T.CreateTruncating(stepSize * m[i] / (Math.Sqrt(v[i] / correction2) + _epsilon));
        }
    }
}
