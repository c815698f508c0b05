using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Benchmarks.Infrastructure;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>One training-step workload: a layout and an example count m.</summary>
public sealed class Workload
{
    private Workload(int m, params int[] sizes)
    {
        Layout = new NetworkLayout(sizes);
        Examples = m;
    }

    /// <summary>The four workloads of the suite, in order of their cost per example.</summary>
    public static IReadOnlyList<Workload> All { get; } =
    [
        new(5000, 400, 25, 10),
        new(256, 784, 128, 10),
        new(1, 784, 256, 10),
        new(256, 1024, 1024, 1024, 10),
    ];

    /// <summary>The network.</summary>
    public NetworkLayout Layout { get; }

    /// <summary>m, the examples in one step.</summary>
    public int Examples { get; }

    /// <summary>True for the one whose scalar reference takes seconds per step.</summary>
    public bool IsLarge => Layout.ParameterCount > 1_000_000;

    /// <summary>W: all weights, bias columns included.</summary>
    public double Weights => Layout.ParameterCount;

    /// <summary>W1: the weights of Theta(1).</summary>
    public double FirstWeights => Layout.ThetaLength(0);

    /// <summary>
    /// The work of one step. Flops: (6 W - 2 W1) m (forward GEMVs 2 W m, Delta updates 2 W m, transposed
    /// products 2 (W - W1) m; no d(1)). Bytes, per-example model: every example reads Theta for the forward
    /// pass, Theta(2..) for the transposed products and reads and writes Delta: (4 W - W1) m elements.
    /// Bytes, batched model: Theta read twice (W1 once), the gradient written once, X read twice, every
    /// later activation and error matrix written once and read about five times in all:
    /// (3 W - W1) + m (2 s(1) + 6 sum over l >= 2 of s(l)) elements.
    /// </summary>
    public WorkCount Work<T>(bool batched, int threads)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        double flops = ((6 * Weights) - (2 * FirstWeights)) * Examples;
        double activations = Layout.Sizes.Skip(1).Sum();
        double elements = batched
            ? (3 * Weights) - FirstWeights + (Examples * ((2.0 * Layout.InputSize) + (6 * activations)))
            : ((4 * Weights) - FirstWeights) * Examples;
        double workingSet = batched
            ? size * ((2 * Weights) + (Examples * (Layout.InputSize + (2 * activations))))
            : size * 2 * Weights;
        return new WorkCount(flops, elements * size, workingSet, threads, size,
            batched ? "batched: Theta twice, gradient once, activations ~6 times" : "per example: Theta, Theta(2..), Delta read+write");
    }

    /// <summary>"784-128-10 m=256".</summary>
    public override string ToString() => $"{Layout} m={Examples}";
}

/// <summary>The inputs of one step: parameters, features in [0, 1), labels, lambda = 1; all from fixed seeds.</summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class StepData<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Builds the data of <paramref name="workload"/>, truncated to <paramref name="examples"/> examples if given.</summary>
    public StepData(Workload workload, int? examples = null)
    {
        Layout = workload.Layout;
        Examples = examples ?? workload.Examples;
        Parameters = WeightInitializer.Create<T>(Layout, 42);
        var random = new Random(7);
        Features = new T[Examples * Layout.InputSize];
        for (int i = 0; i < Features.Length; i++)
        {
            Features[i] = T.CreateTruncating(random.NextDouble());
        }

        Labels = new int[Examples];
        for (int t = 0; t < Examples; t++)
        {
            Labels[t] = random.Next(Layout.OutputSize);
        }

        Gradient = new T[Layout.ParameterCount];
    }

    /// <summary>The network.</summary>
    public NetworkLayout Layout { get; }

    /// <summary>m.</summary>
    public int Examples { get; }

    /// <summary>All Theta(l), flat, row-major.</summary>
    public T[] Parameters { get; }

    /// <summary>X, m x s(1) row-major.</summary>
    public T[] Features { get; }

    /// <summary>Class labels 0..K-1.</summary>
    public int[] Labels { get; }

    /// <summary>The regularization strength.</summary>
    public T Lambda { get; } = T.One;

    /// <summary>Receives the gradient.</summary>
    public T[] Gradient { get; }
}
