using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Training;

/// <summary>
/// The loop shared by the mini-batch optimizers: each iteration is an epoch, one pass over the examples in
/// an order shuffled from <see cref="Seed"/>, in batches of <see cref="BatchSize"/> (the last one shorter).
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// The shuffle uses the optimizer's own SplitMix64 generator, so a seed gives the same batches on every
/// machine and runtime. <see cref="Optimizer{T}.GradientTolerance"/> does not apply: no full gradient is computed.
/// </remarks>
public abstract class MiniBatchOptimizer<T> : Optimizer<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _batchSize = 32;
    private readonly double _learningRate;
    private int[]? _order;
    private T[]? _gradient;

    /// <summary>Creates the optimizer with its default learning rate.</summary>
    /// <param name="defaultLearningRate">The step size used unless <see cref="LearningRate"/> is set.</param>
    private protected MiniBatchOptimizer(double defaultLearningRate) => _learningRate = defaultLearningRate;

    /// <summary>Examples per batch, at least 1. Default 32.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "Expected at least 1 example per batch.");
    }

    /// <summary>The step size, finite and positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not finite and positive.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "Expected a finite learning rate > 0.");
    }

    /// <summary>The seed of the shuffles; equal seeds give equal batches. Default 1.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Clears the optimizer's state (velocities, moments) for a new minimization of dimension <paramref name="n"/>.</summary>
    private protected abstract void Prepare(int n);

    /// <summary>Updates <paramref name="x"/> in place from the batch gradient <paramref name="g"/>; <paramref name="step"/> counts updates from 1.</summary>
    private protected abstract void Update(Span<T> x, ReadOnlySpan<T> g, long step);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private protected override OptimizationResult MinimizeCore(IObjective<T> objective, Span<T> x, Clock clock, CancellationToken cancellationToken)
    {
        if (objective is not IStochasticObjective<T> stochastic)
        {
            throw new ArgumentException(
                $"{GetType().Name} needs an objective that can be evaluated on a batch of examples (IStochasticObjective<{typeof(T).Name}>).",
                nameof(objective));
        }

        int m = stochastic.ExampleCount;
        if (_order?.Length != m)
        {
            _order = new int[m];
        }

        int[] order = _order;
        for (int i = 0; i < m; i++)
        {
            order[i] = i;
        }

        Span<T> g = Ensure(ref _gradient, x.Length);
        Prepare(x.Length);
        ulong state = Seed;
        long step = 0;
        int evaluations = 0;
        double previous = double.PositiveInfinity;
        for (int epoch = 1; ; epoch++)
        {
            Shuffle(order, ref state);
            double sum = 0;
            for (int start = 0; start < m; start += _batchSize)
            {
                ReadOnlySpan<int> batch = order.AsSpan(start, Math.Min(_batchSize, m - start));
                double cost = double.CreateTruncating(stochastic.Evaluate(x, batch, g));
                evaluations++;
                sum += cost * batch.Length;
                Update(x, g, ++step);
            }

            var progress = new OptimizationProgress(epoch, sum / m, double.NaN, evaluations, clock.Elapsed);
            StopReason? stop = AfterIteration(progress, previous, cancellationToken);
            if (stop is { } reason)
            {
                return new OptimizationResult(epoch, evaluations, progress.Cost, double.NaN, reason, progress.Elapsed);
            }

            previous = progress.Cost;
        }
    }

    /// <summary>Fisher-Yates with SplitMix64 draws (multiply-shift to a range: unbiased enough for m far below 2^32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Shuffle(Span<int> order, ref ulong state)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)((SplitMix64.Next(ref state) >> 32) * (ulong)(i + 1) >> 32);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
