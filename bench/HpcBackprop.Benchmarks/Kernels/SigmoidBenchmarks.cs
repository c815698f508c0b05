using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using HpcBackprop.Benchmarks.Infrastructure;

namespace HpcBackprop.Benchmarks.Kernels;

/// <summary>
/// a = 1 / (1 + e^-z) over a vector whose input and output fit L1, L2 or only memory. It has no
/// conventional flop count (the exponential is a polynomial of the implementation's choosing), so its
/// GFLOP/s column stays empty and it is left off the roofline; GB/s counts z read and a written.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class SigmoidBenchmarks<T> : IWorkCounted
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _z = [];
    private T[] _a = [];

    /// <summary>Where the vectors live.</summary>
    [Params(Residence.L1, Residence.L2, Residence.Memory)]
    public Residence Size { get; set; }

    /// <summary>Fills z with values in [-1, 1) times 8 (both tails of the sigmoid).</summary>
    [GlobalSetup]
    public void Setup()
    {
        int n = KernelShape.VectorLength<T>(Size);
        _z = KernelShape.Random<T>(n, 4);
        for (int i = 0; i < n; i++)
        {
            _z[i] *= T.CreateTruncating(8);
        }

        _a = new T[n];
    }

    /// <summary>One scalar exponential per element.</summary>
    [Benchmark(Baseline = true)]
    public void Naive() => NaiveKernels.Sigmoid<T>(_z, _a);

    /// <summary>The library's kernel (HpcBackprop.Kernels.Sigmoid).</summary>
    [Benchmark]
    public void Library() => HpcBackprop.Kernels.Sigmoid.Compute<T>(_z, _a);

    /// <summary>TensorPrimitives.Sigmoid.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Peers)]
    public void TensorPrimitivesSigmoid() => TensorPrimitives.Sigmoid<T>(_z, _a);

    /// <inheritdoc />
    public WorkCount Work(string method)
    {
        int size = Unsafe.SizeOf<T>();
        double bytes = 2.0 * KernelShape.VectorLength<T>(Size) * size;
        return new WorkCount(0, bytes, bytes, 1, size, "read z, write a");
    }
}
