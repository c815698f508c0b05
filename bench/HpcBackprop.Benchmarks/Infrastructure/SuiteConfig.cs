using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Reports;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// The suite's global config: BenchmarkDotNet's defaults (loggers, statistics columns, validators) plus
/// the MemoryDiagnoser on everything, the work columns, GitHub-markdown and full-JSON exporters. Jobs come
/// from the classes (<see cref="SuiteJobAttribute"/>, <see cref="IsaJobsConfig"/>), not from here.
/// </summary>
internal static class SuiteConfig
{
    /// <summary>Builds the config.</summary>
    /// <param name="disassembly">Adds the DisassemblyDiagnoser (depth 3: the benchmark method, the wrapper it calls, and the kernel).</param>
    /// <param name="skipLibTorch">When not null, leaves the libtorch rows out; the reason is printed by Program.</param>
    public static IConfig Create(bool disassembly, string? skipLibTorch)
    {
        ManualConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(WorkColumn.All)
            .AddExporter(MarkdownExporter.GitHub, JsonExporter.Full)

            // Room for "1024-1024-1024-10 m=256" (the default 20 characters would cut it).
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(26))

            // Not joined: a joined summary takes one class's baseline as the Ratio of every class. Program
            // merges the per-class summaries into one results file instead.
            // The rebuild BenchmarkDotNet does before a run can exceed its 2-minute default on a busy 2-core machine.
            .WithBuildTimeout(TimeSpan.FromMinutes(15));
        if (disassembly)
        {
            config.AddDiagnoser(new DisassemblyDiagnoser(new DisassemblyDiagnoserConfig(maxDepth: 3, exportGithubMarkdown: true)));
        }

        if (skipLibTorch is not null)
        {
            config.AddFilter(new SimpleFilter(b => !b.Descriptor.Categories.Contains(Categories.LibTorch)));
        }

        return config;
    }
}
