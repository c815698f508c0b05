using System.Numerics;

namespace HpcBackprop.Training;

/// <summary>
/// Full-batch limited-memory BFGS (Nocedal and Wright, algorithm 7.4): the direction is -H g, with H the
/// inverse-Hessian estimate built by the two-loop recursion from the last <see cref="HistorySize"/> steps
/// and gradient changes, searched with fmincg's Wolfe-Powell line search.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Lbfgs<T> : LineSearchOptimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _historySize = 10;
    private T[][] _steps = [];     // s_k = x_{k+1} - x_k, ring buffer
    private T[][] _changes = [];   // y_k = g_{k+1} - g_k
    private double[] _rho = [];    // 1 / y_k' s_k
    private double[] _alpha = [];
    private int _count;            // pairs stored
    private int _newest = -1;      // ring index of the newest pair

    /// <summary>How many step and gradient-change pairs are kept, at least 1. Default 10.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int HistorySize
    {
        get => _historySize;
        init => _historySize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(HistorySize), value, "Expected at least 1.");
    }

    /// <summary>A loose line search (SIG = 0.9) is the usual choice for quasi-Newton methods: the unit step is accepted most of the time.</summary>
    private protected override double Sigma => 0.9;

    private protected override void Prepare(int n)
    {
        if (_steps.Length != _historySize || _steps[0].Length != n)
        {
            _steps = new T[_historySize][];
            _changes = new T[_historySize][];
            for (int i = 0; i < _historySize; i++)
            {
                _steps[i] = new T[n];
                _changes[i] = new T[n];
            }

            _rho = new double[_historySize];
            _alpha = new double[_historySize];
        }
    }

    private protected override void Restart()
    {
        _count = 0;
        _newest = -1;
    }

    private protected override void NextDirection(ReadOnlySpan<T> x0, ReadOnlySpan<T> x, ReadOnlySpan<T> g1, ReadOnlySpan<T> g2, Span<T> s)
    {
        // Store the new pair unless its curvature is not positive (then H would stop being positive definite).
        int slot = (_newest + 1) % _historySize;
        Span<T> step = _steps[slot], change = _changes[slot];
        for (int i = 0; i < step.Length; i++)
        {
            step[i] = x[i] - x0[i];
            change[i] = g2[i] - g1[i];
        }

        double ys = VectorMath.Dot<T>(change, step);
        if (ys > 1e-10 * VectorMath.Norm<T>(change) * VectorMath.Norm<T>(step))
        {
            _rho[slot] = 1 / ys;
            _newest = slot;
            _count = Math.Min(_count + 1, _historySize);
        }

        // Two-loop recursion: s = -H g2.
        VectorMath.Negate(g2, s);
        for (int k = 0, j = _newest; k < _count; k++, j = (j - 1 + _historySize) % _historySize)
        {
            _alpha[j] = _rho[j] * VectorMath.Dot<T>(_steps[j], s);
            VectorMath.Combine<T>(1.0, s, -_alpha[j], _changes[j]);
        }

        if (_count > 0)
        {
            // H0 = (s'y / y'y) I, the usual scaling that makes the unit step well sized.
            ReadOnlySpan<T> y = _changes[_newest];
            double gamma = 1 / (_rho[_newest] * VectorMath.Dot(y, y));
            VectorMath.Scale<T>(gamma, s);
        }

        int oldest = (_newest - _count + 1 + _historySize) % _historySize;
        for (int k = 0, j = oldest; k < _count; k++, j = (j + 1) % _historySize)
        {
            double beta = _rho[j] * VectorMath.Dot<T>(_changes[j], s);
            VectorMath.Combine<T>(1.0, s, _alpha[j] - beta, _steps[j]);
        }
    }

    /// <summary>With curvature information the natural first trial is the quasi-Newton step itself, 1; without, fmincg's rule.</summary>
    private protected override double FirstStep(double lastStep, double d1, double d2)
        => _count > 0 ? 1.0 : base.FirstStep(lastStep, d1, d2);
}
