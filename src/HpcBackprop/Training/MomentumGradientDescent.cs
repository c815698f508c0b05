using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// Mini-batch gradient descent with classical momentum: v = mu v - eta g, x = x + v, for every batch.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class MomentumGradientDescent<T> : MiniBatchOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _momentum = 0.9;
    private T[]? _velocity;

    /// <summary>Creates the optimizer; the default learning rate is 0.1.</summary>
    public MomentumGradientDescent()
        : base(0.1)
    {
    }

    /// <summary>mu, the fraction of the last update kept, in [0, 1). Default 0.9; 0 is plain stochastic gradient descent.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1).</exception>
    public double Momentum
    {
        get => _momentum;
        init => _momentum = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Momentum), value, "Expected a momentum in [0, 1).");
    }

    private protected override void Prepare(int n) => Array.Clear(Ensure(ref _velocity, n));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private protected override void Update(Span<T> x, ReadOnlySpan<T> g, long step)
    {
        Span<T> v = _velocity;
        T mu = T.CreateTruncating(_momentum), eta = T.CreateTruncating(LearningRate);
        for (int i = 0; i < x.Length; i++)
        {
            v[i] = (mu * v[i]) - (eta * g[i]);
            x[i] += v[i];
        }
    }
}
