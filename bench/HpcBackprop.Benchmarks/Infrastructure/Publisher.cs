using System.Globalization;
using System.Text;
using ScottPlot;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// Turns a run's <see cref="ResultsFile"/> into the published results: docs/benchmarks/README.md (machine,
/// date, command, headline and full tables), results.json, machine-peak.json and roofline.png.
/// Every number in them comes from the results file; nothing is typed in by hand.
/// </summary>
public static class Publisher
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>docs/benchmarks of the repository holding the current directory (found by HpcBackprop.sln).</summary>
    public static string DefaultDirectory()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "HpcBackprop.sln")))
            {
                return Path.Combine(d.FullName, "docs", "benchmarks");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "docs", "benchmarks");
    }

    /// <summary>Writes the four files into <paramref name="directory"/>.</summary>
    public static void Write(ResultsFile results, string directory)
    {
        Directory.CreateDirectory(directory);
        results.Save(Path.Combine(directory, "results.json"));
        results.Peak?.Save(Path.Combine(directory, MachinePeak.FileName));
        bool plotted = Roofline(results, Path.Combine(directory, "roofline.png"));
        File.WriteAllText(Path.Combine(directory, "README.md"), Readme(results, plotted));
        Console.WriteLine($"// Published to {Path.GetFullPath(directory)}");
    }

    private static string Readme(ResultsFile r, bool plotted)
    {
        var s = new StringBuilder();
        MachinePeak? p = r.Peak;
        s.AppendLine("# Benchmark results");
        s.AppendLine();
        s.AppendLine("Written by `bench/HpcBackprop.Benchmarks --publish` from one run; do not edit by hand. How to run and read the suite: [bench/README.md](../../bench/README.md).");
        s.AppendLine();
        if (r.RunLength != nameof(RunLength.Full))
        {
            s.AppendLine($"> **This is a {r.RunLength} run**: too few iterations for the numbers to be quoted. Rerun the full suite before drawing conclusions.");
            s.AppendLine();
        }

        s.AppendLine("| | |");
        s.AppendLine("| --- | --- |");
        s.AppendLine($"| date (UTC) | {r.StartedUtc} |");
        s.AppendLine($"| command | `{r.Command}` |");
        s.AppendLine($"| run length | {r.RunLength} |");
        s.AppendLine($"| runtime, OS | {r.Runtime}, {r.Os} |");
        if (p is not null)
        {
            s.AppendLine($"| CPU | {p.Cpu}, {p.LogicalCores} logical cores, widest accelerated vector {p.VectorBits} bits |");
            string Cache(int level) => Size(p.CacheBytes[level]) + (p.CacheSources is { } src ? $" ({src[level]})" : "");
            s.AppendLine($"| caches (per core L1d, L2; L3), and where the size came from | {Cache(0)}, {Cache(1)}; {Cache(2)} |");
        }

        s.AppendLine($"| libtorch | {r.LibTorchNote} |");
        if (p is not null && p.LoadAverage >= 0)
        {
            s.AppendLine($"| load average when the probe started | {p.LoadAverage.ToString("F2", Inv)}{(p.LoadAverage > 0.5 ? " (**busy machine: ceilings and timings are too low**)" : "")} |");
        }
        s.AppendLine();
        if (p is not null)
        {
            s.AppendLine("## This machine's ceilings (probed by the suite at the start of the run, one thread)");
            s.AppendLine();
            s.AppendLine("| ceiling | measured |");
            s.AppendLine("| --- | ---: |");
            foreach (var kv in p.FmaGflops)
            {
                s.AppendLine($"| FMA peak, {kv.Key.Replace("float", "float ", StringComparison.Ordinal).Replace("double", "double ", StringComparison.Ordinal)}-bit | {kv.Value.ToString("F1", Inv)} GFLOP/s |");
            }

            foreach (var kv in p.ReadGBps)
            {
                s.AppendLine($"| read bandwidth, {kv.Key} ({Size(p.ReadProbeBytes[kv.Key])} array) | {kv.Value.ToString("F1", Inv)} GB/s |");
            }

            s.AppendLine();
        }

        StepTables(s, r);
        KernelTables(s, r);
        IsaTable(s, r);
        if (plotted)
        {
            s.AppendLine("## Roofline");
            s.AppendLine();
            s.AppendLine("Each kernel and training step as a point: counted flops per modelled byte against measured GFLOP/s, under this machine's probed FMA peak (per core) and read-bandwidth ceilings. Points above a bandwidth line reuse data from a faster level than that line's; 2-thread rows may exceed the one-core peak.");
            s.AppendLine();
            s.AppendLine("![roofline](roofline.png)");
            s.AppendLine();
        }

        AllRows(s, r);
        s.AppendLine("## How the columns are counted");
        s.AppendLine();
        s.AppendLine("- Training step flops: (6 W - 2 W1) m, W all weights with bias, W1 those of Theta(1) (forward GEMVs 2 W m, Delta updates 2 W m, transposed products 2 (W - W1) m).");
        s.AppendLine("- Step bytes, per-example model (reference, engine, TensorPrimitives): (4 W - W1) m elements (Theta for the forward pass, Theta(2..) for the transposed products, Delta read and written, per example). Batched model (MathNet, libtorch): (3 W - W1) + m (2 s(1) + 6 sum of later layer sizes) elements. Models, not measurements.");
        s.AppendLine("- Kernel flops: 2 rows (columns - 1) (+ rows for the bias); bytes: each operand once (Delta read and written). Sigmoid has no flop count (GB/s only).");
        s.AppendLine("- % FMA peak: GFLOP/s over the probed per-core peak of the widest accelerated width, times the thread count. % BW: GB/s over the probed one-core read bandwidth of the smallest level holding the working set.");
        return s.ToString();
    }

    private static void StepTables(StringBuilder s, ResultsFile r)
    {
        var steps = r.Rows.Where(x => x.Categories.Contains(Categories.Steps)).ToList();
        if (steps.Count == 0)
        {
            return;
        }

        s.AppendLine("## Training steps: milliseconds per step (median), lower is better");
        s.AppendLine();
        s.AppendLine("One step = cost and gradient over all m examples, lambda = 1. Every implementation was checked against the reference before it was timed. `Nt` = threads.");
        s.AppendLine();
        foreach (var element in steps.Select(x => x.Element).Distinct())
        {
            var mine = steps.Where(x => x.Element == element).ToList();
            var columns = mine.Select(StepColumn).Distinct().OrderBy(StepColumnRank).ThenBy(c => c, StringComparer.Ordinal).ToList();
            s.AppendLine($"### {element}");
            s.AppendLine();
            s.AppendLine("| workload | " + string.Join(" | ", columns) + " | engine vs reference |");
            s.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", columns.Count + 1)));
            foreach (var workload in mine.Select(WorkloadOf).Distinct().OrderBy(WorkloadRank))
            {
                var row = mine.Where(x => WorkloadOf(x) == workload).ToList();
                double? reference = row.FirstOrDefault(x => x.Method == "Reference")?.MedianNs;
                double? engine = (row.FirstOrDefault(x => x.Method == "PerExample") ?? row.FirstOrDefault(x => x.Method == "Forward"))?.MedianNs;
                string speedup = reference is > 0 && engine is > 0 ? $"{(reference.Value / engine.Value).ToString("F1", Inv)}x" : "-";
                s.AppendLine($"| {workload} | " + string.Join(" | ", columns.Select(c => row.FirstOrDefault(x => StepColumn(x) == c) is { } hit ? Ms(hit.MedianNs) : "-")) + $" | {speedup} |");
            }

            s.AppendLine();
        }
    }

    private static void KernelTables(StringBuilder s, ResultsFile r)
    {
        var kernels = r.Rows.Where(x => x.Categories.Contains(Categories.Kernels) && !x.Categories.Contains(Categories.Isa)).ToList();
        if (kernels.Count == 0)
        {
            return;
        }

        s.AppendLine("## Kernels: one example, median time and GFLOP/s (GB/s for sigmoid)");
        s.AppendLine();
        var methods = kernels.Select(KernelColumn).Distinct().ToList();
        s.AppendLine("| kernel | type | size | " + string.Join(" | ", methods) + " |");
        s.AppendLine("| --- | --- | --- |" + string.Concat(Enumerable.Repeat(" ---: |", methods.Count)));
        foreach (var group in kernels.GroupBy(x => (x.Class, x.Element, x.Parameters)))
        {
            s.AppendLine($"| {group.Key.Class.Replace("Benchmarks", "", StringComparison.Ordinal)} | {group.Key.Element} | {group.Key.Parameters.Trim('[', ']').Replace("Size=", "", StringComparison.Ordinal)} | "
                + string.Join(" | ", methods.Select(m => group.FirstOrDefault(x => KernelColumn(x) == m) is { } hit ? $"{Time(hit.MedianNs)} ({Rate(hit)})" : "-")) + " |");
        }

        s.AppendLine();
    }

    private static void IsaTable(StringBuilder s, ResultsFile r)
    {
        var isa = r.Rows.Where(x => x.Categories.Contains(Categories.Isa)).ToList();
        if (isa.Count == 0)
        {
            return;
        }

        s.AppendLine("## Instruction sets: the library's float kernels, L1-resident, per runtime knob");
        s.AppendLine();
        var jobs = isa.Select(x => x.Job).Distinct()
            .OrderBy(j => j.StartsWith("IsaDefault", StringComparison.Ordinal) ? 0 : j.StartsWith("Avx512", StringComparison.Ordinal) ? 1 : 2)
            .ToList();
        s.AppendLine("| kernel | " + string.Join(" | ", jobs) + " |");
        s.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", jobs.Count)));
        foreach (var method in isa.Select(x => x.Method).Distinct())
        {
            s.AppendLine($"| {method} | " + string.Join(" | ", jobs.Select(j => isa.FirstOrDefault(x => x.Method == method && x.Job == j) is { } hit ? Time(hit.MedianNs) : "-")) + " |");
        }

        s.AppendLine();
        s.AppendLine("A job named `...-NoopHere` changed nothing on this CPU (it has no such instructions): its row is the default path again.");
        s.AppendLine();
    }

    private static void AllRows(StringBuilder s, ResultsFile r)
    {
        s.AppendLine("## Every row");
        s.AppendLine();
        s.AppendLine("| class | method | type | parameters | job | median | GFLOP/s | GB/s | % FMA peak | % BW (level) | allocated/op |");
        s.AppendLine("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var x in r.Rows)
        {
            double seconds = x.MedianNs * 1e-9;
            double gflops = x.Flops / seconds / 1e9, gbps = x.Bytes / seconds / 1e9;
            string fma = r.Peak is { } p && x.Flops > 0 ? (100 * gflops / (p.FmaPeak(x.Element == "float" ? 4 : 8) * x.Threads)).ToString("F1", Inv) : "-";
            string bw = r.Peak is { } q && x.Bytes > 0
                ? WorkColumn.BandwidthShare(q, new WorkCount(x.Flops, x.Bytes, x.WorkingSetBytes, x.Threads, x.Element == "float" ? 4 : 8, x.TrafficModel), gbps)
                : "-";
            s.AppendLine($"| {x.Class} | {x.Method} | {x.Element} | {x.Parameters} | {x.Job} | {Time(x.MedianNs)} | {(x.Flops > 0 ? gflops.ToString("F2", Inv) : "-")} | {(x.Bytes > 0 ? gbps.ToString("F1", Inv) : "-")} | {fma} | {bw} | {(x.AllocatedBytes is { } a ? a.ToString(Inv) + " B" : "-")} |");
        }

        s.AppendLine();
    }

    /// <summary>Draws the roofline; false when there is no probe or no point with flops.</summary>
    private static bool Roofline(ResultsFile r, string path)
    {
        MachinePeak? peak = r.Peak;
        var points = r.Rows.Where(x => x.Flops > 0 && x.Bytes > 0 && x.MedianNs > 0).ToList();
        if (peak is null || points.Count == 0)
        {
            return false;
        }

        var plot = new Plot();
        double xMin = -2, xMax = 2;
        double top = peak.FmaGflops.Values.Max();
        foreach (var kv in peak.FmaGflops)
        {
            var line = plot.Add.Line(xMin, Math.Log10(kv.Value), xMax, Math.Log10(kv.Value));
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
            plot.Add.Text($"FMA {kv.Key} {kv.Value:F0} GFLOP/s", xMin + 0.05, Math.Log10(kv.Value) + 0.05).LabelFontSize = 11;
        }

        foreach (var kv in peak.ReadGBps)
        {
            // GFLOP/s = GB/s x flops/byte, up to the top FMA ceiling.
            double xEnd = Math.Min(xMax, Math.Log10(top / kv.Value));
            var line = plot.Add.Line(xMin, Math.Log10(kv.Value) + xMin, xEnd, Math.Log10(kv.Value) + xEnd);
            line.Color = Colors.Gray;
            plot.Add.Text($"{kv.Key} {kv.Value:F0} GB/s", xMin + 0.05, Math.Log10(kv.Value) + xMin + 0.05).LabelFontSize = 10;
        }

        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var group in points.GroupBy(Series).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            double[] xs = group.Select(x => Math.Log10(x.Flops / x.Bytes)).ToArray();
            double[] ys = group.Select(x => Math.Log10(x.Flops / x.MedianNs)).ToArray();
            var scatter = plot.Add.ScatterPoints(xs, ys);
            scatter.LegendText = group.Key;
            scatter.MarkerSize = 8;
            scatter.Color = palette.GetColor(index++);
        }

        static string Pow10(double v) => Math.Pow(10, v).ToString(v < 0 ? "0.##" : "N0", CultureInfo.InvariantCulture);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = Pow10,
        };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = Pow10,
        };
        plot.Title($"Roofline, {peak.Cpu} ({r.StartedUtc}, {r.RunLength} run)");
        plot.XLabel("arithmetic intensity (flops per modelled byte, log)");
        plot.YLabel("GFLOP/s (log)");
        plot.Axes.SetLimits(xMin, xMax, -2, Math.Log10(top) + 0.4);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1400, 900);
        return true;
    }

    private static string Series(ResultRow x)
    {
        string kind = x.Categories.Contains(Categories.Steps) ? "step" : "kernel";
        string who = x.Method switch
        {
            "Naive" => "naive loop",
            "Library" or "PerExample" or "BatchedEngine" or "Forward" or "Packed" or "Gemv" or "GemvTransposed" or "RankOneUpdate" or "Sigmoid" => "library",
            "Reference" => "reference",
            "MathNet" => "MathNet",
            "LibTorchMatmul" or "LibTorchAutograd" => "libtorch",
            "TrafficFloor" => "traffic floor",
            _ when x.Method.StartsWith("TensorPrimitives", StringComparison.Ordinal) => "TensorPrimitives",
            _ => x.Method, // a new benchmark method shows under its own name rather than under a peer's
        };
        return $"{kind}: {who}";
    }

    private static string StepColumn(ResultRow x)
    {
        string name = x.Method switch
        {
            "PerExample" => "engine (per example)",
            "LibTorchMatmul" => "libtorch matmul",
            "LibTorchAutograd" => "libtorch autograd",
            "TrafficFloor" => "traffic floor",
            _ => x.Method,
        };
        return x.Parameters.Contains("Threads=", StringComparison.Ordinal) ? $"{name} {x.Threads}t" : name;
    }

    private static int StepColumnRank(string column)
        => column.StartsWith("Reference", StringComparison.Ordinal) ? 0
            : column.StartsWith("engine", StringComparison.Ordinal) ? 1
            : column.StartsWith("TensorPrimitives", StringComparison.Ordinal) ? 2
            : column.StartsWith("MathNet", StringComparison.Ordinal) ? 3
            : column.StartsWith("libtorch matmul", StringComparison.Ordinal) ? 4
            : 5;

    /// <summary>The TensorPrimitives peers of the four kernels share one column.</summary>
    private static string KernelColumn(ResultRow x)
        => x.Method.StartsWith("TensorPrimitives", StringComparison.Ordinal) ? "TensorPrimitives" : x.Method;

    /// <summary>Training workloads in their order, then anything else (scoring) after them.</summary>
    private static int WorkloadRank(string workload)
        => Steps.Workload.All.Select(a => a.ToString()).ToList().IndexOf(workload) is var i and >= 0 ? i : int.MaxValue;

    private static string WorkloadOf(ResultRow x)
    {
        // DisplayInfo reads like "[Threads=1, Workload=784-128-10 m=256]" (parameters in name order).
        string p = x.Parameters.Trim('[', ']');
        string? workload = p.Split(", ").FirstOrDefault(part => part.StartsWith("Workload=", StringComparison.Ordinal));
        if (workload is null && x.Class.StartsWith(nameof(Steps.ScoringBenchmarks<float>), StringComparison.Ordinal))
        {
            return $"{Steps.Workload.All[2]}, scoring (forward only)"; // the scoring benchmark has one fixed workload, no parameters
        }

        return workload is null ? p : workload["Workload=".Length..];
    }

    private static string Ms(double ns) => (ns / 1e6).ToString(ns >= 1e7 ? "F1" : ns >= 1e6 ? "F2" : "F3", Inv);

    private static string Time(double ns)
        => ns >= 1e6 ? (ns / 1e6).ToString("F2", Inv) + " ms"
            : ns >= 1e3 ? (ns / 1e3).ToString("F2", Inv) + " us"
            : ns.ToString("F1", Inv) + " ns";

    private static string Rate(ResultRow x)
    {
        double seconds = x.MedianNs * 1e-9;
        return x.Flops > 0 ? (x.Flops / seconds / 1e9).ToString("F1", Inv) + " GFLOP/s" : (x.Bytes / seconds / 1e9).ToString("F1", Inv) + " GB/s";
    }

    private static string Size(long bytes)
        => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
