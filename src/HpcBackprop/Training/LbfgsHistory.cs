using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// The memory of L-BFGS: the last few step and gradient-change pairs (s, y) and the two-loop recursion that
/// applies the inverse-Hessian estimate H they define (Nocedal and Wright, algorithm 7.4) to a vector.
/// </summary>
/// <remarks>
/// A pair is stored only when its curvature y's is positive, so H stays positive definite. The candidate is
/// built in a spare buffer and swapped into the ring only once accepted: a rejected pair never overwrites the
/// oldest stored one (whose 1 / y's would otherwise be paired with the rejected vectors).
/// </remarks>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
internal sealed class LbfgsHistory<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[][] _steps;    // s_k = x_{k+1} - x_k, ring buffer
    private readonly T[][] _changes;  // y_k = g_{k+1} - g_k
    private readonly double[] _rho;   // 1 / y_k' s_k
    private readonly double[] _alpha;
    private T[] _candidateStep;
    private T[] _candidateChange;
    private int _newest = -1;         // ring index of the newest pair

    /// <summary>A history of at most <paramref name="capacity"/> pairs of vectors of length <paramref name="length"/>.</summary>
    public LbfgsHistory(int capacity, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Length = length;
        _steps = new T[capacity][];
        _changes = new T[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _steps[i] = new T[length];
            _changes[i] = new T[length];
        }

        _rho = new double[capacity];
        _alpha = new double[capacity];
        _candidateStep = new T[length];
        _candidateChange = new T[length];
    }

    public int Capacity { get; }

    public int Length { get; }

    /// <summary>Pairs stored, 0 .. <see cref="Capacity"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets every pair (H becomes the identity).</summary>
    public void Clear()
    {
        Count = 0;
        _newest = -1;
    }

    /// <summary>
    /// Stores s = x - x0, y = g - g0, dropping the oldest pair when full, unless y's &lt;= 1e-10 |y| |s|.
    /// </summary>
    /// <returns>Whether the pair was stored.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public bool TryAdd(ReadOnlySpan<T> x0, ReadOnlySpan<T> x, ReadOnlySpan<T> g0, ReadOnlySpan<T> g)
    {
        Span<T> step = _candidateStep, change = _candidateChange;
        for (int i = 0; i < step.Length; i++)
        {
            step[i] = x[i] - x0[i];
            change[i] = g[i] - g0[i];
        }

        double ys = VectorMath.Dot<T>(change, step);
        if (!(ys > 1e-10 * VectorMath.Norm<T>(change) * VectorMath.Norm<T>(step)))
        {
            return false;
        }

        int slot = (_newest + 1) % Capacity;
        (_steps[slot], _candidateStep) = (_candidateStep, _steps[slot]);
        (_changes[slot], _candidateChange) = (_candidateChange, _changes[slot]);
        _rho[slot] = 1 / ys;
        _newest = slot;
        Count = Math.Min(Count + 1, Capacity);
        return true;
    }

    /// <summary>destination = -H g, with H0 = (s'y / y'y) I from the newest pair (the identity when empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void NegativeProduct(ReadOnlySpan<T> g, Span<T> destination)
    {
        VectorMath.Negate(g, destination);
        for (int k = 0, j = _newest; k < Count; k++, j = (j - 1 + Capacity) % Capacity)
        {
            _alpha[j] = _rho[j] * VectorMath.Dot<T>(_steps[j], destination);
            VectorMath.Combine<T>(1.0, destination, -_alpha[j], _changes[j]);
        }

        if (Count > 0)
        {
            // H0 = (s'y / y'y) I, the usual scaling that makes the unit step well sized.
            ReadOnlySpan<T> y = _changes[_newest];
            double gamma = 1 / (_rho[_newest] * VectorMath.Dot(y, y));
            VectorMath.Scale<T>(gamma, destination);
        }

        int oldest = (_newest - Count + 1 + Capacity) % Capacity;
        for (int k = 0, j = oldest; k < Count; k++, j = (j + 1) % Capacity)
        {
            double beta = _rho[j] * VectorMath.Dot<T>(_changes[j], destination);
            VectorMath.Combine<T>(1.0, destination, _alpha[j] - beta, _steps[j]);
        }
    }
}
