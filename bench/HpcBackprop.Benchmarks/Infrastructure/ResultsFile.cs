using System.Text.Json;
using BenchmarkDotNet.Reports;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>One measured row, with its counted work: what the publisher and the roofline read.</summary>
public sealed record ResultRow(
    string Class,
    string Method,
    string Element,
    string Parameters,
    string Job,
    string[] Categories,
    double MedianNs,
    double? StdDevNs,
    long? AllocatedBytes,
    double Flops,
    double Bytes,
    double WorkingSetBytes,
    int Threads,
    string TrafficModel);

/// <summary>The suite's own results file: every row of a run, the command, the probe and the environment.</summary>
public sealed record ResultsFile(
    string Command,
    string RunLength,
    string StartedUtc,
    string Runtime,
    string Os,
    MachinePeak? Peak,
    string? LibTorchNote,
    List<ResultRow> Rows)
{
    /// <summary>The file name, in the run's results folder.</summary>
    public const string FileName = "hpcbackprop-results.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The rows of the summaries of one run (failed benchmarks have no median and are left out).</summary>
    public static List<ResultRow> RowsOf(IEnumerable<Summary> summaries)
    {
        var rows = new List<ResultRow>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                var statistics = report.ResultStatistics;
                if (statistics is null)
                {
                    continue;
                }

                var benchmark = report.BenchmarkCase;
                Type type = benchmark.Descriptor.Type;
                WorkCount? work = WorkColumn.WorkOf(benchmark);
                string element = type.IsGenericType ? type.GetGenericArguments()[0].Name : "Single";
                string name = type.IsGenericType ? type.Name[..type.Name.IndexOf('`')] : type.Name;
                rows.Add(new ResultRow(
                    name,
                    benchmark.Descriptor.WorkloadMethod.Name,
                    element == "Single" ? "float" : element == "Double" ? "double" : element,
                    benchmark.Parameters.DisplayInfo,
                    benchmark.Job.ResolvedId,
                    benchmark.Descriptor.Categories,
                    statistics.Median,
                    statistics.StandardDeviation,
                    report.GcStats.GetBytesAllocatedPerOperation(benchmark),
                    work?.Flops ?? 0,
                    work?.Bytes ?? 0,
                    work?.WorkingSetBytes ?? 0,
                    work?.Threads ?? 1,
                    work?.Model ?? ""));
            }
        }

        return rows;
    }

    /// <summary>Writes the file.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    public static ResultsFile Load(string path)
        => JsonSerializer.Deserialize<ResultsFile>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty.");
}
