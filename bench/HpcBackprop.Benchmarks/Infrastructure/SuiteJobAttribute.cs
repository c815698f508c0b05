using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>Gives a benchmark class the run's <see cref="RunSettings.Standard"/> job.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SuiteJobAttribute : Attribute, IConfigSource
{
    /// <summary>The standard job, or the expensive one when <paramref name="expensive"/> is true.</summary>
    public SuiteJobAttribute(bool expensive = false)
    {
        Config = ManualConfig.CreateEmpty().AddJob(expensive ? RunSettings.Expensive : RunSettings.Standard);
    }

    /// <inheritdoc />
    public IConfig Config { get; }
}

/// <summary>
/// The instruction-set comparison: the standard job, plus the same job rerun with AVX-512 switched off and
/// with AVX2 (and FMA, and AVX-512) switched off through the .NET 10 runtime knobs. On a CPU without
/// AVX-512 (this project's AMD EPYC Zen 3 machine) the "AVX-512 off" row is the same code path as the
/// default row: its job id says so, so nobody reads a difference into noise.
/// </summary>
public sealed class IsaJobsConfig : ManualConfig
{
    /// <summary>Creates the three jobs from <see cref="RunSettings.Standard"/>.</summary>
    public IsaJobsConfig()
    {
        Job baseJob = RunSettings.Standard;
        bool avx512 = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated;
        AddJob(baseJob.WithId("IsaDefault"));
        AddJob(baseJob
            .WithEnvironmentVariable("DOTNET_EnableAVX512", "0")
            .WithId(avx512 ? "Avx512Off" : "Avx512Off-NoopHere"));
        AddJob(baseJob
            .WithEnvironmentVariable("DOTNET_EnableAVX2", "0")
            .WithId("Avx2FmaOff-128bit"));
    }
}
