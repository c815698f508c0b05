using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using HpcBackprop.Benchmarks.Infrastructure;
using HpcBackprop.Kernels;

namespace HpcBackprop.Benchmarks.Kernels;

/// <summary>
/// The three level-2 kernels of one example's backprop (GEMV with the bias column, the transposed GEMV,
/// the rank-1 accumulation) on a rows x (rows + 1) matrix that sits in L1, in L2 or in memory.
/// Baseline: the naive loop. Peer: the same operation composed from TensorPrimitives (Dot per row for the
/// GEMV, MultiplyAdd per row for the other two: what a .NET developer would write with that library).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Kernels)]
public abstract class MatrixKernelBenchmarks<T> : IWorkCounted
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _theta = [];
    private T[] _x = [];
    private T[] _out = [];

    /// <summary>Where the matrix lives.</summary>
    [Params(Residence.L1, Residence.L2, Residence.Memory)]
    public Residence Size { get; set; }

    /// <summary>Rows of the matrix.</summary>
    protected int Rows => KernelShape.MatrixRows<T>(Size);

    /// <summary>Columns of the matrix, the bias column included.</summary>
    protected int Columns => Rows + 1;

    /// <summary>The matrix (Theta or Delta).</summary>
    protected T[] Theta => _theta;

    /// <summary>The input vector: x or a (columns - 1), or d (rows).</summary>
    protected T[] Input => _x;

    /// <summary>The output vector.</summary>
    protected T[] Output => _out;

    /// <summary>Fills the operands from fixed seeds.</summary>
    [GlobalSetup]
    public virtual void Setup()
    {
        _theta = KernelShape.Random<T>(Rows * Columns, 1);
        _x = KernelShape.Random<T>(InputLength, 2);
        _out = new T[OutputLength];
    }

    /// <summary>The length of <see cref="Input"/>.</summary>
    protected abstract int InputLength { get; }

    /// <summary>The length of <see cref="Output"/>.</summary>
    protected abstract int OutputLength { get; }

    /// <inheritdoc />
    public abstract WorkCount Work(string method);

    /// <summary>A work count for a rows x columns kernel.</summary>
    protected WorkCount Count(double flops, double elementsMoved, string model)
    {
        int size = Unsafe.SizeOf<T>();
        return new WorkCount(flops, elementsMoved * size, elementsMoved * size, 1, size, model);
    }
}

/// <summary>z = Theta[:,0] + Theta[:,1:] x: the forward GEMV of one example.</summary>
/// <typeparam name="T">float or double.</typeparam>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemvBenchmarks<T> : MatrixKernelBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override int InputLength => Columns - 1;

    /// <inheritdoc />
    protected override int OutputLength => Rows;

    /// <summary>The textbook double loop.</summary>
    [Benchmark(Baseline = true)]
    public void Naive() => NaiveKernels.Gemv<T>(Theta, Rows, Columns, Input, Output);

    /// <summary>The library's kernel (HpcBackprop.Kernels.GemvWithBias), one example.</summary>
    [Benchmark]
    public void Library() => GemvWithBias.Compute<T>(Theta, Rows, Columns, Input, Output, 1);

    /// <summary>theta[i,0] + TensorPrimitives.Dot(row i, x) per row.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Peers)]
    public void TensorPrimitivesDot()
    {
        ReadOnlySpan<T> theta = Theta;
        ReadOnlySpan<T> x = Input;
        Span<T> z = Output;
        int columns = Columns;
        for (int i = 0; i < z.Length; i++)
        {
            ReadOnlySpan<T> row = theta.Slice(i * columns, columns);
            z[i] = row[0] + TensorPrimitives.Dot(row[1..], x);
        }
    }

    /// <inheritdoc />
    public override WorkCount Work(string method)
        => Count((2.0 * Rows * (Columns - 1)) + Rows, ((double)Rows * Columns) + (Columns - 1) + Rows, "read Theta and x once, write z");
}

/// <summary>e = Theta[:,1:]' d: the transposed GEMV of one example.</summary>
/// <typeparam name="T">float or double.</typeparam>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemvTransposedBenchmarks<T> : MatrixKernelBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    protected override int InputLength => Rows;

    /// <inheritdoc />
    protected override int OutputLength => Columns - 1;

    /// <summary>The textbook double loop.</summary>
    [Benchmark(Baseline = true)]
    public void Naive() => NaiveKernels.GemvTransposed<T>(Theta, Rows, Columns, Input, Output);

    /// <summary>The library's kernel (HpcBackprop.Kernels.GemvTransposed), one example.</summary>
    [Benchmark]
    public void Library() => GemvTransposed.Compute<T>(Theta, Rows, Columns, Input, Output, 1);

    /// <summary>e = 0, then e += d[i] row i with TensorPrimitives.MultiplyAdd per row.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Peers)]
    public void TensorPrimitivesMultiplyAdd()
    {
        ReadOnlySpan<T> theta = Theta;
        ReadOnlySpan<T> d = Input;
        Span<T> e = Output;
        int columns = Columns;
        e.Clear();
        for (int i = 0; i < d.Length; i++)
        {
            TensorPrimitives.MultiplyAdd(theta.Slice((i * columns) + 1, columns - 1), d[i], e, e);
        }
    }

    /// <inheritdoc />
    public override WorkCount Work(string method)
        => Count(2.0 * Rows * (Columns - 1), ((double)Rows * (Columns - 1)) + Rows + (Columns - 1), "read Theta[:,1:] and d once, write e");
}

/// <summary>Delta += d a' with the bias column: the rank-1 accumulation of one example.</summary>
/// <typeparam name="T">float or double.</typeparam>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class RankOneUpdateBenchmarks<T> : MatrixKernelBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _d = [];

    /// <inheritdoc />
    protected override int InputLength => Columns - 1;

    /// <inheritdoc />
    protected override int OutputLength => 0;

    /// <summary>The operands, and the d vector (rows) from its own seed.</summary>
    public override void Setup()
    {
        base.Setup();
        _d = KernelShape.Random<T>(Rows, 3);

        // Keep Delta from growing without bound over millions of calls: small d.
        for (int i = 0; i < _d.Length; i++)
        {
            _d[i] *= T.CreateTruncating(1e-6);
        }
    }

    /// <summary>The textbook double loop.</summary>
    [Benchmark(Baseline = true)]
    public void Naive() => NaiveKernels.RankOneUpdate<T>(Theta, Rows, Columns, _d, Input);

    /// <summary>The library's kernel (HpcBackprop.Kernels.RankOneUpdate), one example.</summary>
    [Benchmark]
    public void Library() => RankOneUpdate.Accumulate<T>(Theta, Rows, Columns, _d, Input, 1);

    /// <summary>row i[0] += d[i]; row i[1:] += d[i] a with TensorPrimitives.MultiplyAdd per row.</summary>
    [Benchmark]
    [BenchmarkCategory(Categories.Peers)]
    public void TensorPrimitivesMultiplyAdd()
    {
        Span<T> delta = Theta;
        ReadOnlySpan<T> a = Input;
        int columns = Columns;
        for (int i = 0; i < _d.Length; i++)
        {
            Span<T> row = delta.Slice(i * columns, columns);
            row[0] += _d[i];
            TensorPrimitives.MultiplyAdd(a, _d[i], row[1..], row[1..]);
        }
    }

    /// <inheritdoc />
    public override WorkCount Work(string method)
        => Count((2.0 * Rows * (Columns - 1)) + Rows, (2.0 * Rows * Columns) + Rows + (Columns - 1), "read and write Delta once, read d and a");
}

/// <summary>
/// The packed GEMM, C = A B with square n x n operands sized for L1, L2 and memory, against the naive triple loop.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Kernels)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T> : IWorkCounted
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [], _b = [], _c = [];

    /// <summary>n: 48 (three operands in L1), 160 (in L2), 512 (beyond L2; the naive loop makes larger sizes too slow to run).</summary>
    [Params(48, 160, 512)]
    public int N { get; set; }

    /// <summary>Fills A and B from fixed seeds.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _a = KernelShape.Random<T>(N * N, 1);
        _b = KernelShape.Random<T>(N * N, 2);
        _c = new T[N * N];
    }

    /// <summary>The naive i-k-j triple loop (rows of B streamed, the best plain loop order).</summary>
    [Benchmark(Baseline = true)]
    public void Naive()
    {
        int n = N;
        Array.Clear(_c);
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < n; p++)
            {
                T aip = _a[(i * n) + p];
                for (int j = 0; j < n; j++)
                {
                    _c[(i * n) + j] += aip * _b[(p * n) + j];
                }
            }
        }
    }

    /// <summary>The library's packed GEMM (HpcBackprop.Kernels.Gemm), one thread.</summary>
    [Benchmark]
    public void Packed()
    {
        var a = new HpcBackprop.Kernels.Gemm.GemmOperand<T>(_a, N, N, N, transposed: false);
        var b = new HpcBackprop.Kernels.Gemm.GemmOperand<T>(_b, N, N, N, transposed: false);
        HpcBackprop.Kernels.Gemm.Gemm.Compute(in a, in b, T.Zero, _c, N);
    }

    /// <inheritdoc />
    public WorkCount Work(string method)
    {
        int size = Unsafe.SizeOf<T>();
        double n = N;
        return new WorkCount(2 * n * n * n, 3 * n * n * size, 3 * n * n * size, 1, size, "A, B read and C written once");
    }
}
