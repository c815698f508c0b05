using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using HpcBackprop.Benchmarks.Infrastructure;
using HpcBackprop.Kernels;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Benchmarks.Kernels;

/// <summary>
/// The library's float kernels on L1-resident operands, rerun by <see cref="IsaJobsConfig"/> with AVX-512
/// off and with AVX2+FMA off (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0, the .NET 10 knob names), so the
/// 512-, 256- and 128-bit paths can be compared on one machine. Setup fails if a knob was ignored, so a row
/// never claims a path it did not run.
/// </summary>
[Config(typeof(IsaJobsConfig))]
[BenchmarkCategory(Categories.Kernels, Categories.Isa)]
public class IsaBenchmarks : IWorkCounted
{
    private readonly GemvBenchmarks<float> _gemv = new() { Size = Residence.L1 };
    private readonly GemvTransposedBenchmarks<float> _gemvT = new() { Size = Residence.L1 };
    private readonly RankOneUpdateBenchmarks<float> _ger = new() { Size = Residence.L1 };
    private readonly SigmoidBenchmarks<float> _sigmoid = new() { Size = Residence.L1 };

    /// <summary>Checks the knobs took effect, then prepares the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0" && Vector512.IsHardwareAccelerated)
        {
            throw new InvalidOperationException("DOTNET_EnableAVX512=0 was ignored: Vector512 is still accelerated.");
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0" && Vector256.IsHardwareAccelerated)
        {
            throw new InvalidOperationException("DOTNET_EnableAVX2=0 was ignored: Vector256 is still accelerated.");
        }

        Console.WriteLine($"// ISA: SimdPath.Active = {SimdPath.Active}, Vector<float>.Count = {System.Numerics.Vector<float>.Count}");
        _gemv.Setup();
        _gemvT.Setup();
        _ger.Setup();
        _sigmoid.Setup();
    }

    /// <summary>GemvWithBias, 64 x 65 float.</summary>
    [Benchmark]
    public void Gemv() => _gemv.Library();

    /// <summary>GemvTransposed, 64 x 65 float.</summary>
    [Benchmark]
    public void GemvTransposed() => _gemvT.Library();

    /// <summary>RankOneUpdate, 64 x 65 float.</summary>
    [Benchmark]
    public void RankOneUpdate() => _ger.Library();

    /// <summary>Sigmoid, 2048 floats.</summary>
    [Benchmark]
    public void Sigmoid() => _sigmoid.Library();

    /// <inheritdoc />
    public WorkCount Work(string method) => method switch
    {
        nameof(Gemv) => _gemv.Work(method),
        nameof(GemvTransposed) => _gemvT.Work(method),
        nameof(RankOneUpdate) => _ger.Work(method),
        _ => _sigmoid.Work(method),
    };
}
