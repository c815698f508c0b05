using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json;

namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// This machine's measured ceilings, probed by the suite before the benchmarks (once per run) so that every
/// "% of peak" is of the machine the numbers came from, not of a figure copied from another machine.
/// </summary>
/// <remarks>
/// FMA peak: 12 independent vector accumulators per thread (enough to cover a 4-cycle FMA latency on two
/// pipes), <c>acc = acc * a + b</c> in a loop; flops = iterations x 12 x lanes x 2. Bandwidth: a vectorized
/// sum with 8 accumulators over an array of the given size, repeated; bytes = passes x size. Each figure is
/// the best of 7 timed repetitions after a warmup, on one thread (per core): these are ceilings, and
/// interference from other processes can only lower a repetition, never raise it.
/// </remarks>
public sealed record MachinePeak
{
    /// <summary>The probe of this run, set by Program in the host process before the benchmarks run.</summary>
    public static MachinePeak? Current { get; set; }

    /// <summary>The file name, in the run's results folder.</summary>
    public const string FileName = "machine-peak.json";

    /// <summary>When it was probed (UTC, ISO 8601).</summary>
    public required string ProbedAtUtc { get; init; }

    /// <summary>CPU model name as the OS reports it.</summary>
    public required string Cpu { get; init; }

    /// <summary>Logical processors.</summary>
    public required int LogicalCores { get; init; }

    /// <summary>Widest accelerated vector width in bits (512, 256, 128).</summary>
    public required int VectorBits { get; init; }

    /// <summary>L1d, L2, L3 sizes in bytes (0 when unknown).</summary>
    public required long[] CacheBytes { get; init; }

    /// <summary>Where each of <see cref="CacheBytes"/> came from: "sysfs", "cpuid" or "guess" (older files: null).</summary>
    public string[]? CacheSources { get; init; }

    /// <summary>
    /// The 1-minute load average when the probe started (Linux; -1 elsewhere). Above about half a core the
    /// probe shared the CPU with other work and its ceilings are too low; the publisher says so.
    /// </summary>
    public double LoadAverage { get; init; } = -1;

    /// <summary>Per-core FMA peak in GFLOP/s, keyed like "float256", "double512".</summary>
    public required Dictionary<string, double> FmaGflops { get; init; }

    /// <summary>Single-thread read bandwidth in GB/s, keyed "L1", "L2", "L3", "Memory".</summary>
    public required Dictionary<string, double> ReadGBps { get; init; }

    /// <summary>Array sizes (bytes) the bandwidth probes used, same keys as <see cref="ReadGBps"/>.</summary>
    public required Dictionary<string, long> ReadProbeBytes { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The per-core FMA peak of the widest accelerated width for an element type.</summary>
    public double FmaPeak(int elementBytes)
    {
        string prefix = elementBytes == sizeof(float) ? "float" : "double";
        return FmaGflops.TryGetValue(prefix + VectorBits, out double g) ? g : FmaGflops.GetValueOrDefault(prefix + "256", double.NaN);
    }

    /// <summary>The bandwidth ceiling for a working set: the smallest probed level that holds it.</summary>
    public (string Level, double GBps) BandwidthFor(double workingSetBytes)
    {
        string level = workingSetBytes <= CacheBytes[0] ? "L1"
            : workingSetBytes <= CacheBytes[1] ? "L2"
            : workingSetBytes <= CacheBytes[2] / 2 ? "L3"
            : "Memory";
        return (level, ReadGBps[level]);
    }

    /// <summary>Writes the JSON file.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>Reads the JSON file, or null if it is missing.</summary>
    public static MachinePeak? Load(string path)
        => File.Exists(path) ? JsonSerializer.Deserialize<MachinePeak>(File.ReadAllText(path), Json) : null;

    /// <summary>Runs the probes (a few seconds; run it when the machine is otherwise idle).</summary>
    public static MachinePeak Probe()
    {
        double load = LoadAverageNow();
        (long[] caches, string[] cacheSources) = CacheSizes();
        var fma = new Dictionary<string, double>
        {
            ["float256"] = Best(() => FmaProbe<Vector256<float>, Float256>()),
            ["double256"] = Best(() => FmaProbe<Vector256<double>, Double256>()),
        };
        if (Vector512.IsHardwareAccelerated)
        {
            fma["float512"] = Best(() => FmaProbe<Vector512<float>, Float512>());
            fma["double512"] = Best(() => FmaProbe<Vector512<double>, Double512>());
        }

        // 16 KiB and 256 KiB sit well inside the L1d and L2 of any current x64 core; the L3 probe takes a
        // quarter of the reported L3 (it is shared); memory is 256 MiB, far beyond any L3 here.
        var sizes = new Dictionary<string, long>
        {
            ["L1"] = 16L << 10,
            ["L2"] = 256L << 10,
            ["L3"] = Math.Max(2L << 20, caches[2] / 4),
            ["Memory"] = 256L << 20,
        };
        var bandwidth = sizes.ToDictionary(kv => kv.Key, kv => ReadBandwidth(kv.Value));
        return new MachinePeak
        {
            ProbedAtUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            Cpu = CpuName(),
            LogicalCores = Environment.ProcessorCount,
            VectorBits = Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128,
            CacheBytes = caches,
            CacheSources = cacheSources,
            LoadAverage = load,
            FmaGflops = fma,
            ReadGBps = bandwidth,
            ReadProbeBytes = sizes,
        };
    }

    private static double Best(Func<double> probe)
    {
        probe();
        return Math.Round(Enumerable.Range(0, 7).Max(_ => probe()), 2);
    }

    private static double FmaProbe<TVec, TOps>()
        where TVec : struct
        where TOps : IFmaVector<TVec>
    {
        const int Iterations = 10_000_000;
        long start = Stopwatch.GetTimestamp();
        Sink = FmaChains<TVec, TOps>(Iterations);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (double)Iterations * 12 * TOps.Lanes * 2 / seconds / 1e9;
    }

    /// <remarks>
    /// The loop lives in its own method, away from the clock: Stopwatch.GetTimestamp is an inlined P/Invoke,
    /// and a method holding one gets a GC poll (a call) in its loops, around which the JIT keeps every vector
    /// accumulator on the stack. That turned the probe into a store-forwarding latency test reading 28
    /// GFLOP/s where the GEMM reached 71.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double FmaChains<TVec, TOps>(int iterations)
        where TVec : struct
        where TOps : IFmaVector<TVec>
    {
        TVec a = TOps.Create(0.999999), b = TOps.Create(1e-7);
        TVec c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < iterations; i++)
        {
            c0 = TOps.Fma(c0, a, b); c1 = TOps.Fma(c1, a, b); c2 = TOps.Fma(c2, a, b); c3 = TOps.Fma(c3, a, b);
            c4 = TOps.Fma(c4, a, b); c5 = TOps.Fma(c5, a, b); c6 = TOps.Fma(c6, a, b); c7 = TOps.Fma(c7, a, b);
            c8 = TOps.Fma(c8, a, b); c9 = TOps.Fma(c9, a, b); c10 = TOps.Fma(c10, a, b); c11 = TOps.Fma(c11, a, b);
        }

        TVec all = TOps.Add(TOps.Add(TOps.Add(c0, c1), TOps.Add(c2, c3)), TOps.Add(TOps.Add(c4, c5), TOps.Add(c6, c7)));
        return TOps.Sum(TOps.Add(all, TOps.Add(TOps.Add(c8, c9), TOps.Add(c10, c11))));
    }

    private static double ReadBandwidth(long bytes)
    {
        float[] data = GC.AllocateUninitializedArray<float>((int)(bytes / sizeof(float)), pinned: true);
        data.AsSpan().Fill(1f);

        // About 64 MiB read per timed repetition, at least one pass.
        int passes = (int)Math.Max(1, (64L << 20) / bytes);
        return Best(() =>
        {
            long start = Stopwatch.GetTimestamp();
            float s = 0;
            for (int p = 0; p < passes; p++)
            {
                s += Sum(data);
            }

            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            Sink = s;
            return (double)passes * bytes / seconds / 1e9;
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(float[] data)
    {
        ref float r = ref MemoryMarshal.GetArrayDataReference(data);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            nuint w = (nuint)Vector512<float>.Count;
            for (nuint i = 0; i + (4 * w) <= (nuint)data.Length; i += 4 * w)
            {
                s0 += Vector512.LoadUnsafe(ref r, i);
                s1 += Vector512.LoadUnsafe(ref r, i + w);
                s2 += Vector512.LoadUnsafe(ref r, i + (2 * w));
                s3 += Vector512.LoadUnsafe(ref r, i + (3 * w));
            }

            return Vector512.Sum(s0 + s1 + s2 + s3);
        }
        else
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            nuint w = (nuint)Vector256<float>.Count;
            for (nuint i = 0; i + (8 * w) <= (nuint)data.Length; i += 8 * w)
            {
                s0 += Vector256.LoadUnsafe(ref r, i);
                s1 += Vector256.LoadUnsafe(ref r, i + w);
                s2 += Vector256.LoadUnsafe(ref r, i + (2 * w));
                s3 += Vector256.LoadUnsafe(ref r, i + (3 * w));
                s4 += Vector256.LoadUnsafe(ref r, i + (4 * w));
                s5 += Vector256.LoadUnsafe(ref r, i + (5 * w));
                s6 += Vector256.LoadUnsafe(ref r, i + (6 * w));
                s7 += Vector256.LoadUnsafe(ref r, i + (7 * w));
            }

            return Vector256.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
        }
    }

    /// <summary>One vector type's FMA and the few operations the probe needs (the BCL's FusedMultiplyAdd is not generic).</summary>
    private interface IFmaVector<TVec>
        where TVec : struct
    {
        static abstract int Lanes { get; }

        static abstract TVec Create(double value);

        static abstract TVec Fma(TVec a, TVec b, TVec c);

        static abstract TVec Add(TVec a, TVec b);

        static abstract double Sum(TVec v);
    }

    private readonly struct Float256 : IFmaVector<Vector256<float>>
    {
        public static int Lanes => Vector256<float>.Count;

        public static Vector256<float> Create(double value) => Vector256.Create((float)value);

        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

        public static double Sum(Vector256<float> v) => Vector256.Sum(v);
    }

    private readonly struct Double256 : IFmaVector<Vector256<double>>
    {
        public static int Lanes => Vector256<double>.Count;

        public static Vector256<double> Create(double value) => Vector256.Create(value);

        public static Vector256<double> Fma(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);

        public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

        public static double Sum(Vector256<double> v) => Vector256.Sum(v);
    }

    private readonly struct Float512 : IFmaVector<Vector512<float>>
    {
        public static int Lanes => Vector512<float>.Count;

        public static Vector512<float> Create(double value) => Vector512.Create((float)value);

        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

        public static double Sum(Vector512<float> v) => Vector512.Sum(v);
    }

    private readonly struct Double512 : IFmaVector<Vector512<double>>
    {
        public static int Lanes => Vector512<double>.Count;

        public static Vector512<double> Create(double value) => Vector512.Create(value);

        public static Vector512<double> Fma(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);

        public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;

        public static double Sum(Vector512<double> v) => Vector512.Sum(v);
    }

    /// <summary>Keeps the probes' results alive so the JIT cannot drop the loops.</summary>
    private static double Sink { get; set; }

    private static (long[] Sizes, string[] Sources) CacheSizes()
    {
        // Linux exposes the caches of cpu0 as index0..3 with level and type. Some VMs do not (this project's Zen 5
        // VM has no cache directory): then AMD's CPUID leaves 0x80000005/6 give L1d and L2, and an L3 they report
        // beyond 256 MiB (that VM's says 508 MiB) is not believed. What is still unknown is a conservative guess of
        // 32 KiB / 512 KiB / 8 MiB, and the published table says which sizes are guesses.
        long l1 = 32 << 10, l2 = 512 << 10, l3 = 8 << 20;
        string[] sources = ["guess", "guess", "guess"];
        if (X86Base.IsSupported && X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= unchecked((int)0x80000006)
            && CpuVendor() == "AuthenticAMD")
        {
            long l1Kib = (uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24;
            (_, _, int ecx6, int edx6) = X86Base.CpuId(unchecked((int)0x80000006), 0);
            long l2Kib = (uint)ecx6 >> 16, l3Kib = ((uint)edx6 >> 18) * 512L;
            if (l1Kib > 0) { l1 = l1Kib << 10; sources[0] = "cpuid"; }
            if (l2Kib > 0) { l2 = l2Kib << 10; sources[1] = "cpuid"; }
            if (l3Kib > 0 && l3Kib <= 256 << 10) { l3 = l3Kib << 10; sources[2] = "cpuid"; }
        }

        const string Root = "/sys/devices/system/cpu/cpu0/cache";
        if (Directory.Exists(Root))
        {
            foreach (string index in Directory.GetDirectories(Root, "index*"))
            {
                try
                {
                    int level = int.Parse(File.ReadAllText(Path.Combine(index, "level")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                    string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                    long value = size.EndsWith('K') ? long.Parse(size[..^1], System.Globalization.CultureInfo.InvariantCulture) << 10
                        : size.EndsWith('M') ? long.Parse(size[..^1], System.Globalization.CultureInfo.InvariantCulture) << 20
                        : long.Parse(size, System.Globalization.CultureInfo.InvariantCulture);
                    if (level == 1 && type == "Data") { l1 = value; sources[0] = "sysfs"; }
                    else if (level == 2) { l2 = value; sources[1] = "sysfs"; }
                    else if (level == 3) { l3 = value; sources[2] = "sysfs"; }
                }
                catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
                {
                    // Keep the guess for this level.
                }
            }
        }

        return ([l1, l2, l3], sources);
    }

    private static string CpuVendor()
    {
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(name, ebx);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(name[4..], edx);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(name[8..], ecx);
        return System.Text.Encoding.ASCII.GetString(name);
    }

    private static double LoadAverageNow()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)
                : -1;
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return -1;
        }
    }

    private static string CpuName()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
