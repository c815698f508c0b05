using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Parameters;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// Throughput columns computed in the host from each benchmark's counted work (<see cref="IWorkCounted"/>)
/// and its measured median, and the share of this run's probed ceilings (<see cref="MachinePeak.Current"/>).
/// </summary>
public sealed class WorkColumn : IColumn
{
    /// <summary>The kinds of column.</summary>
    public enum Kind
    {
        /// <summary>Flops / median time.</summary>
        Gflops,

        /// <summary>Modelled bytes / median time.</summary>
        GBps,

        /// <summary>GFLOP/s over (per-core FMA peak x threads).</summary>
        PercentFma,

        /// <summary>GB/s over the read bandwidth of the level that holds the working set.</summary>
        PercentBandwidth,
    }

    private readonly Kind _kind;

    /// <summary>Creates one column.</summary>
    public WorkColumn(Kind kind) => _kind = kind;

    /// <summary>All four, in display order.</summary>
    public static IColumn[] All { get; } = [new WorkColumn(Kind.Gflops), new WorkColumn(Kind.GBps), new WorkColumn(Kind.PercentFma), new WorkColumn(Kind.PercentBandwidth)];

    /// <inheritdoc />
    public string Id => "HpcBackprop." + _kind;

    /// <inheritdoc />
    public string ColumnName => _kind switch
    {
        Kind.Gflops => "GFLOP/s",
        Kind.GBps => "GB/s",
        Kind.PercentFma => "% FMA peak",
        _ => "% BW (level)",
    };

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => (int)_kind;

    /// <inheritdoc />
    public bool IsNumeric => _kind != Kind.PercentBandwidth;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => _kind switch
    {
        Kind.Gflops => "Counted floating-point operations (FMA = 2) per second, from the median",
        Kind.GBps => "Bytes moved per second under the benchmark's traffic model (see docs/benchmarks), from the median",
        Kind.PercentFma => "GFLOP/s as a share of this machine's probed per-core FMA peak times the thread count",
        _ => "GB/s as a share of this machine's probed single-core read bandwidth at the cache level holding the working set",
    };

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? median = summary[benchmarkCase]?.ResultStatistics?.Median;
        WorkCount? work = WorkOf(benchmarkCase);
        if (median is not > 0 || work is null)
        {
            return "-";
        }

        double seconds = median.Value * 1e-9;
        double gflops = work.Flops / seconds / 1e9;
        double gbps = work.Bytes / seconds / 1e9;
        MachinePeak? peak = MachinePeak.Current;
        if (work.Flops <= 0 && _kind is Kind.Gflops or Kind.PercentFma)
        {
            return "-";
        }

        return _kind switch
        {
            Kind.Gflops => Format(gflops),
            Kind.GBps => Format(gbps),
            Kind.PercentFma when peak is not null => Format(100 * gflops / (peak.FmaPeak(work.ElementBytes) * work.Threads)),
            Kind.PercentBandwidth when peak is not null => BandwidthShare(peak, work, gbps),
            _ => "no probe",
        };
    }

    /// <summary>The counted work of a benchmark case, or null if its class does not count it.</summary>
    public static WorkCount? WorkOf(BenchmarkCase benchmarkCase)
    {
        if (Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IWorkCounted counted)
        {
            return null;
        }

        foreach (ParameterInstance parameter in benchmarkCase.Parameters.Items)
        {
            var property = benchmarkCase.Descriptor.Type.GetProperty(parameter.Name);
            if (property is not null)
            {
                property.SetValue(counted, parameter.Value);
            }
            else
            {
                benchmarkCase.Descriptor.Type.GetField(parameter.Name)?.SetValue(counted, parameter.Value);
            }
        }

        return counted.Work(benchmarkCase.Descriptor.WorkloadMethod.Name);
    }

    /// <summary>"41 (L2)": the share of the level's bandwidth and the level.</summary>
    public static string BandwidthShare(MachinePeak peak, WorkCount work, double gbps)
    {
        (string level, double ceiling) = peak.BandwidthFor(work.WorkingSetBytes);
        return $"{Format(100 * gbps / ceiling)} ({level})";
    }

    private static string Format(double value)
        => value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture)
            : value >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture)
            : value.ToString("F2", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}
