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
    private LbfgsHistory<T>? _history;

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
        if (_history is null || _history.Length != n)
        {
            _history = new LbfgsHistory<T>(_historySize, n);
        }
    }

    private protected override void Restart() => _history!.Clear();

    private protected override void NextDirection(ReadOnlySpan<T> x0, ReadOnlySpan<T> x, ReadOnlySpan<T> g1, ReadOnlySpan<T> g2, Span<T> s)
    {
        _history!.TryAdd(x0, x, g1, g2);
        _history.NegativeProduct(g2, s);
    }

    /// <summary>With curvature information the natural first trial is the quasi-Newton step itself, 1; without, fmincg's rule.</summary>
    private protected override double FirstStep(double lastStep, double d1, double d2)
        => _history!.Count > 0 ? 1.0 : base.FirstStep(lastStep, d1, d2);
}
