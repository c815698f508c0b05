using System.Numerics;
using BenchmarkDotNet.Attributes;
using HpcBackprop.Benchmarks.Infrastructure;
using HpcBackprop.Benchmarks.Peers;
using HpcBackprop.Reference;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>
/// The shared part of the training-step benchmarks: the workload parameter, the data, the work count.
/// One step = cost and gradient over all m examples of the workload, lambda = 1.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public abstract class StepBenchmarkBase<T> : IWorkCounted
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The workload.</summary>
    [ParamsSource(nameof(Workloads))]
    public Workload Workload { get; set; } = Workload.All[0];

    /// <summary>The workloads this class runs.</summary>
    public virtual IEnumerable<Workload> Workloads => Workload.All;

    /// <summary>The data of the current workload, built by <see cref="Setup"/>.</summary>
    protected StepData<T> Data { get; private set; } = null!;

    /// <summary>Threads the measured code may use (1 unless a class has a Threads parameter).</summary>
    protected virtual int ThreadCount => 1;

    /// <summary>True if the class computes the batched form (it decides the traffic model).</summary>
    protected virtual bool Batched => false;

    /// <summary>Builds the data.</summary>
    [GlobalSetup]
    public virtual void Setup() => Data = new StepData<T>(Workload);

    /// <inheritdoc />
    public virtual WorkCount Work(string method) => Workload.Work<T>(Batched, ThreadCount);
}

/// <summary>
/// The literal scalar reference (HpcBackprop.Reference): the scale every speed-up is quoted against.
/// The three smaller workloads; 1024-1024-1024-10 is in <see cref="ReferenceLargeStepBenchmarks{T}"/>.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class ReferenceStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override IEnumerable<Workload> Workloads => Workload.All.Where(w => !w.IsLarge);

    /// <summary>ReferenceBackprop.CostAndGradient.</summary>
    [Benchmark]
    public T Reference() => ReferenceBackprop.CostAndGradient<T>(Data.Layout, Data.Parameters, Data.Features, Data.Labels, Data.Lambda, Data.Gradient);
}

/// <summary>
/// The reference on 1024-1024-1024-10 m=256: seconds per step, so it runs with the expensive job (one
/// call per iteration, 1 warmup + 5 iterations in the full run) to keep the suite's run time sane.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob(expensive: true)]
[BenchmarkCategory(Categories.Steps, Categories.Expensive)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class ReferenceLargeStepBenchmarks<T> : ReferenceStepBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override IEnumerable<Workload> Workloads => Workload.All.Where(w => w.IsLarge);
}

/// <summary>The library's per-example engine (GEMV and rank-1 kernels, 8 examples per pass over the weights), 1 thread.</summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class EngineStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly BackpropagationOptions Options = new() { Engine = BackpropagationEngine.PerExample };

    /// <summary>Checks the engine against the reference, then builds the data.</summary>
    public override void Setup()
    {
        StepCheck.AgainstReference<T>(Workload, d => Backpropagation.CostAndGradient<T>(d.Layout, d.Parameters, d.Features, d.Labels, d.Lambda, d.Gradient, Options), "per-example engine");
        base.Setup();
    }

    /// <summary>Backpropagation.CostAndGradient with the per-example engine.</summary>
    [Benchmark]
    public T PerExample() => Backpropagation.CostAndGradient<T>(Data.Layout, Data.Parameters, Data.Features, Data.Labels, Data.Lambda, Data.Gradient, Options);
}

/// <summary>The library's batched engine (packed GEMM, fused epilogues), 1 and 2 threads.</summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class BatchedEngineStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private BackpropagationOptions _options = null!;

    /// <summary>BackpropagationOptions.MaxDegreeOfParallelism.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <inheritdoc />
    protected override int ThreadCount => Threads;

    /// <inheritdoc />
    protected override bool Batched => true;

    /// <summary>Checks the engine against the reference, then builds the data.</summary>
    public override void Setup()
    {
        _options = new BackpropagationOptions { Engine = BackpropagationEngine.Batched, MaxDegreeOfParallelism = Threads };
        StepCheck.AgainstReference<T>(Workload, d => Backpropagation.CostAndGradient<T>(d.Layout, d.Parameters, d.Features, d.Labels, d.Lambda, d.Gradient, _options), "batched engine");
        base.Setup();
    }

    /// <summary>Backpropagation.CostAndGradient with the batched engine.</summary>
    [Benchmark]
    public T BatchedEngine() => Backpropagation.CostAndGradient<T>(Data.Layout, Data.Parameters, Data.Features, Data.Labels, Data.Lambda, Data.Gradient, _options);
}

/// <summary>
/// Forward-only scoring of one 784-256-10 example, what a service calls per request: the library's
/// Backpropagation.Forward against the literal reference's forward pass.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class ScoringBenchmarks<T> : IWorkCounted
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private StepData<T> _data = null!;
    private T[] _outputs = null!;

    /// <summary>Builds one example of 784-256-10.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _data = new StepData<T>(Workload.All[2], examples: 1);
        _outputs = new T[_data.Layout.OutputSize];
    }

    /// <summary>The literal reference's forward pass (allocates, as the reference does).</summary>
    [Benchmark(Baseline = true)]
    public T[] Reference() => ReferenceBackprop.Forward<T>(_data.Layout, _data.Parameters, _data.Features);

    /// <summary>Backpropagation.Forward: h for one example.</summary>
    [Benchmark]
    public T[] Forward()
    {
        Backpropagation.Forward<T>(_data.Layout, _data.Parameters, _data.Features, _outputs);
        return _outputs;
    }

    /// <summary>
    /// The floor under scoring on this machine: the weights read once, the traffic a forward pass cannot
    /// avoid when Theta(1) does not fit in L2, by <see cref="StreamingFloor"/>'s plain read.
    /// </summary>
    [Benchmark]
    public uint TrafficFloor() => StreamingFloor.Read<T>(_data.Parameters);

    /// <inheritdoc />
    public WorkCount Work(string method)
    {
        // BenchmarkDotNet asks a fresh instance (no GlobalSetup), so the count comes from the workload, not _data.
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        double w = Workload.All[2].Layout.ParameterCount;
        return new WorkCount(method == nameof(TrafficFloor) ? 0 : 2 * w, w * size, w * size, 1, size, "forward: every weight read once");
    }
}

/// <summary>The per-example loop composed from TensorPrimitives (see <see cref="TensorPrimitivesStep{T}"/>).</summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps, Categories.Peers)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class TensorPrimitivesStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private TensorPrimitivesStep<T> _step = null!;

    /// <summary>Checks the composition against the reference, then builds it.</summary>
    public override void Setup()
    {
        StepCheck.AgainstReference<T>(Workload, d => new TensorPrimitivesStep<T>(d.Layout).Run(d), "TensorPrimitives");
        base.Setup();
        _step = new TensorPrimitivesStep<T>(Data.Layout);
    }

    /// <summary>One step.</summary>
    [Benchmark]
    public T TensorPrimitives() => _step.Run(Data);
}

/// <summary>The batched step with MathNet.Numerics' managed provider (see <see cref="MathNetStep{T}"/>).</summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps, Categories.Peers)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class MathNetStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private MathNetStep<T> _step = null!;

    /// <summary>Control.MaxDegreeOfParallelism.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <inheritdoc />
    protected override int ThreadCount => Threads;

    /// <inheritdoc />
    protected override bool Batched => true;

    /// <summary>Checks against the reference, then copies the data into MathNet matrices.</summary>
    public override void Setup()
    {
        StepCheck.AgainstReference<T>(Workload, d => new MathNetStep<T>(d, Threads).Run(d), "MathNet");
        base.Setup();
        _step = new MathNetStep<T>(Data, Threads);
    }

    /// <summary>One step.</summary>
    [Benchmark]
    public T MathNet() => _step.Run(Data);
}

/// <summary>
/// The batched step in libtorch (see <see cref="LibTorchStep{T}"/>), hand-written backward and autograd.
/// Where libtorch cannot load, Program leaves these out with a one-line reason.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps, Categories.Peers, Categories.LibTorch)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class LibTorchStepBenchmarks<T> : StepBenchmarkBase<T>, IDisposable
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private LibTorchStep<T>? _hand;
    private LibTorchStep<T>? _autograd;

    /// <summary>torch.set_num_threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    /// <inheritdoc />
    protected override int ThreadCount => Threads;

    /// <inheritdoc />
    protected override bool Batched => true;

    /// <summary>Loads libtorch (patching this build output's copy if this machine needs it), checks both forms, builds them.</summary>
    public override void Setup()
    {
        LibTorch.Require();
        Console.WriteLine($"// libtorch: {LibTorch.LoadNote}; threads = {Threads}");
        StepCheck.AgainstReference<T>(Workload, d => { using var s = new LibTorchStep<T>(d, Threads, autograd: false); return s.RunHandBackward(d.Gradient); }, "libtorch hand-written");
        StepCheck.AgainstReference<T>(Workload, d => { using var s = new LibTorchStep<T>(d, Threads, autograd: true); return s.RunAutograd(d.Gradient); }, "libtorch autograd");
        base.Setup();
        _hand = new LibTorchStep<T>(Data, Threads, autograd: false);
        _autograd = new LibTorchStep<T>(Data, Threads, autograd: true);
    }

    /// <summary>Matmuls with a hand-written backward.</summary>
    [Benchmark]
    public T LibTorchMatmul() => _hand!.RunHandBackward(Data.Gradient);

    /// <summary>Autograd.</summary>
    [Benchmark]
    public T LibTorchAutograd() => _autograd!.RunAutograd(Data.Gradient);

    /// <summary>Frees the tensors.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _hand?.Dispose();
        _autograd?.Dispose();
        _hand = _autograd = null;
        GC.SuppressFinalize(this);
    }
}
