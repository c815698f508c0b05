using System.Runtime.InteropServices;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using HpcBackprop.Benchmarks.Infrastructure;
using HpcBackprop.Benchmarks.Peers;

// The suite's own switches are taken out here; everything else (--filter, --anyCategories, --list, ...) goes
// to BenchmarkDotNet. See bench/README.md.
//   --short                a quick pass (1 warmup, 3 iterations); numbers are rough
//   --job dry|short|default   the same choice in BenchmarkDotNet's words (dry = each benchmark once, for CI)
//   --disasm-kernels       DisassemblyDiagnoser on the kernel benchmarks (adds --anyCategories kernels if no category is given)
//   --publish [dir]        after the run, write README.md, results.json, machine-peak.json and roofline.png to dir
//                          (default: docs/benchmarks of the repository)
//   --publish-only <results.json> [dir]   redo the publication from an earlier run's results file
//   --no-probe             reuse the results folder's machine-peak.json instead of probing (for quick reruns)
//   --probe                only run the peak probe and print it
//   --prepare-libtorch     patch this build output's libLibTorchSharp.so if this machine needs it, and check a matmul
var rest = new List<string>();
bool publish = false, publishOnly = false, disasm = false, probeOnly = false, reuseProbe = false;
string? publishDirectory = null, resultsToPublish = null;
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    string? next = i + 1 < args.Length && !args[i + 1].StartsWith('-') ? args[i + 1] : null;
    switch (a)
    {
        case "--short": RunSettings.Length = RunLength.Short; break;
        case "--job" or "-j" when next is not null:
            RunSettings.Length = next.ToLowerInvariant() switch
            {
                "dry" => RunLength.Dry,
                "short" => RunLength.Short,
                "default" => RunLength.Full,
                _ => throw new ArgumentException($"--job {next}: this suite knows dry, short and default (its own full job)."),
            };
            i++;
            break;
        case "--disasm-kernels": disasm = true; break;
        case "--publish": publish = true; if (next is not null) { publishDirectory = next; i++; } break;
        case "--publish-only" when next is not null:
            publishOnly = true;
            resultsToPublish = next;
            i++;
            if (i + 1 < args.Length && !args[i + 1].StartsWith('-')) { publishDirectory = args[++i]; }
            break;
        case "--no-probe": reuseProbe = true; break;
        case "--probe": probeOnly = true; break;
        case "--prepare-libtorch" or "--libtorch-check":
            Console.WriteLine(LibTorch.UnavailableReason is { } why ? "libtorch unavailable: " + why : "libtorch OK: " + LibTorch.LoadNote);
            return LibTorch.UnavailableReason is null ? 0 : 1;
        default: rest.Add(a); break;
    }
}

publishDirectory ??= Publisher.DefaultDirectory();
if (publishOnly)
{
    Publisher.Write(ResultsFile.Load(resultsToPublish!), publishDirectory);
    return 0;
}

if (probeOnly)
{
    MachinePeak probed = MachinePeak.Probe();
    Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(probed, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

if (disasm && !rest.Any(a => a is "--anyCategories" or "--allCategories"))
{
    rest.AddRange(["--anyCategories", Categories.Kernels]);
}

// Without a selection BenchmarkSwitcher asks interactively; this suite runs everything by default.
if (!rest.Any(a => a is "--filter" or "-f" or "--anyCategories" or "--allCategories" or "--attribute" or "--list" or "--help" or "--version" or "--info"))
{
    rest.AddRange(["--filter", "*"]);
}

bool listing = rest.Any(a => a is "--list" or "--help" or "--version" or "--info");
string? skipLibTorch = null;
if (!listing)
{
    // Decide once, in the host, whether the libtorch rows can run here; each benchmark process checks again.
    skipLibTorch = LibTorch.UnavailableReason;
    Console.WriteLine(skipLibTorch is null ? $"// libtorch: {LibTorch.LoadNote}" : $"// libtorch rows skipped: {skipLibTorch}");

    // BenchmarkDotNet writes its results to <artifacts>/results; the probe goes beside them.
    int artifactsAt = rest.FindIndex(a => a is "--artifacts" or "-a");
    string artifacts = artifactsAt >= 0 && artifactsAt + 1 < rest.Count ? rest[artifactsAt + 1] : "BenchmarkDotNet.Artifacts";
    string probePath = Path.Combine(artifacts, "results", MachinePeak.FileName);
    MachinePeak.Current = reuseProbe ? MachinePeak.Load(probePath) : null;
    if (MachinePeak.Current is null && RunSettings.Length != RunLength.Dry)
    {
        Console.WriteLine("// Probing this machine's FMA peak and read bandwidth (a few seconds)...");
        MachinePeak.Current = MachinePeak.Probe();
        MachinePeak.Current.Save(probePath);
        if (MachinePeak.Current.LoadAverage > 0.5)
        {
            Console.WriteLine($"// WARNING: load average {MachinePeak.Current.LoadAverage} while probing: this machine is busy, ceilings and timings will be low.");
        }

        Console.WriteLine($"// Peak: {string.Join(", ", MachinePeak.Current.FmaGflops.Select(kv => $"FMA {kv.Key} {kv.Value} GFLOP/s"))}; " +
            $"{string.Join(", ", MachinePeak.Current.ReadGBps.Select(kv => $"read {kv.Key} {kv.Value} GB/s"))}");
    }
}

string started = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
    .Run([.. rest], SuiteConfig.Create(disasm, skipLibTorch));
List<Summary> list = summaries.ToList();
if (list.Count == 0 || listing)
{
    return 0;
}

var results = new ResultsFile(
    "dotnet run -c Release --project bench/HpcBackprop.Benchmarks -- " + string.Join(' ', args),
    RunSettings.Length.ToString(),
    started,
    RuntimeInformation.FrameworkDescription,
    RuntimeInformation.OSDescription,
    MachinePeak.Current,
    skipLibTorch is null ? LibTorch.LoadNote : "skipped: " + skipLibTorch,
    ResultsFile.RowsOf(list));
string resultsPath = Path.Combine(list[0].ResultsDirectoryPath, ResultsFile.FileName);
results.Save(resultsPath);
Console.WriteLine($"// Results with work counts: {resultsPath}");
if (publish)
{
    if (RunSettings.Length != RunLength.Full)
    {
        Console.WriteLine($"// Publishing a {RunSettings.Length} run: the README will say so.");
    }

    Publisher.Write(results, publishDirectory);
}

// A benchmark that threw, or a validation error, fails the run (CI's dry run relies on it).
int failures = list.Sum(s => s.Reports.Count(r => !r.Success)) + list.Count(s => s.HasCriticalValidationErrors);
if (failures > 0)
{
    Console.Error.WriteLine($"// {failures} benchmark(s) failed or did not validate.");
    return 1;
}

return 0;
