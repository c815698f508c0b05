using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// The suite's global config: BenchmarkDotNet's defaults (loggers, statistics columns, validators) plus
/// the MemoryDiagnoser on everything, the work columns, GitHub-markdown and full-JSON exporters. Jobs come
/// from the classes (<see cref="SuiteJobAttribute"/>, <see cref="IsaJobsConfig"/>), not from here.
/// </summary>
internal static class SuiteConfig
{
    /// <summary>Builds the config.</summary>
    /// <param name="disassembly">Adds the DisassemblyDiagnoser (depth 2, so the kernels called by the benchmark methods are shown).</param>
    /// <param name="skipLibTorch">When not null, leaves the libtorch rows out; the reason is printed by Program.</param>
    public static IConfig Create(bool disassembly, string? skipLibTorch)
    {
        ManualConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(WorkColumn.All)
            .AddExporter(MarkdownExporter.GitHub, JsonExporter.Full)
            .WithOptions(ConfigOptions.JoinSummary);
        if (disassembly)
        {
            config.AddDiagnoser(new DisassemblyDiagnoser(new DisassemblyDiagnoserConfig(maxDepth: 2, exportGithubMarkdown: true)));
        }

        if (skipLibTorch is not null)
        {
            config.AddFilter(new SimpleFilter(b => !b.Descriptor.Categories.Contains(Categories.LibTorch)));
        }

        return config;
    }
}
