using BenchmarkDotNet.Engines;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>How long the suite runs: chosen once in the host process by Program from the command line.</summary>
public enum RunLength
{
    /// <summary>The timed suite whose results are published (about 15-25 minutes on 2 cores).</summary>
    Full,

    /// <summary>A quick pass: 1 warmup and 3 measured iterations per benchmark (numbers are rough).</summary>
    Short,

    /// <summary>Each benchmark once, to check the suite works (CI); no number from it means anything.</summary>
    Dry,
}

/// <summary>
/// The jobs of this run. Every benchmark class takes its job from here (through <see cref="SuiteJobAttribute"/>
/// or <see cref="IsaJobsConfig"/>), so one switch (<c>--short</c>, <c>--job dry</c>) shortens the whole suite,
/// the expensive baselines included.
/// </summary>
public static class RunSettings
{
    /// <summary>The run length; set by Program before the benchmarks are collected.</summary>
    public static RunLength Length { get; set; } = RunLength.Full;

    /// <summary>The job of ordinary benchmarks.</summary>
    /// <remarks>
    /// Full: 250 ms iterations (the default 500 ms doubles the run time and buys nothing on kernels that
    /// take micro- to milliseconds), 4 warmups and 8-20 measured iterations, one process launch.
    /// </remarks>
    public static Job Standard => Length switch
    {
        RunLength.Dry => Job.Dry.WithId("Dry"),
        RunLength.Short => Job.ShortRun.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(3).WithId("Short"),
        _ => Job.Default
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithWarmupCount(4)
            .WithMinIterationCount(8)
            .WithMaxIterationCount(20)
            .WithLaunchCount(1)
            .WithId("Suite"),
    };

    /// <summary>
    /// The job of baselines that take seconds per call (the scalar reference on 1024-1024-1024-10): one call
    /// per iteration, one warmup and five measured iterations in the full run. They set the scale, so a
    /// few percent of noise on them does not matter.
    /// </summary>
    public static Job Expensive => Length switch
    {
        RunLength.Dry => Job.Dry.WithId("Dry"),
        _ => Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithWarmupCount(1)
            .WithIterationCount(Length == RunLength.Short ? 2 : 5)
            .WithLaunchCount(1)
            .WithId(Length == RunLength.Short ? "ShortExpensive" : "Expensive"),
    };
}
