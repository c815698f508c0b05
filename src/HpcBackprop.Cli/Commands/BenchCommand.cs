using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;

namespace HpcBackprop.Cli.Commands;

/// <summary>hpcbackprop bench: a quick throughput report of the library's gradient for one layout.</summary>
internal sealed class BenchCommand : Command
{
    public override string Name => "bench";

    public override string Summary => "Quick throughput of the gradient for a layout: ms/step, GFLOP/s, % of measured peak.";

    public override IReadOnlyCollection<string> ValueOptions => ["layers", "examples", "precision", "seconds", "seed"];

    public override string Help =>
        "  --layers S1,S2,..    layout; default 64-25-10\n" +
        "  --examples M         batch size of the batched measurement; default 1000\n" +
        "  --precision P        float or double; default: both\n" +
        "  --seconds X          time spent per measurement; default 0.5\n" +
        "  --seed N             seed of the random weights and data; default 1\n" +
        "A step is one call of Backpropagation.CostAndGradient: the per-example engine at m = 1 and m = --examples,\n" +
        "and the batched (GEMM) engine at m = --examples, each forced through BackpropagationOptions.\n" +
        "GFLOP/s counts (6 W - 2 W1) m flops per step (W all weights, W1 those of Theta(1)); the peak is a\n" +
        "single-thread loop of independent vector fused multiply-adds, measured on this machine.\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        NetworkLayout layout = args.GetLayout("layers") ?? new NetworkLayout(64, 25, 10);
        int m = args.GetInt("examples", 1000, 1, 1_000_000);
        string precision = args.GetChoice("precision", "both", "float", "double", "both");
        double seconds = args.GetDouble("seconds", 0.5, 0.01, 60);
        ulong seed = args.GetULong("seed", 1);
        if ((long)m * layout.InputSize > Array.MaxLength)
        {
            throw new UsageException($"bench: --examples {m} x {layout.InputSize} features is more than an array holds ({Array.MaxLength:N0} elements).");
        }

        context.Out.WriteLine($"layout {layout} ({layout.ParameterCount} parameters), {TrainCommand.FlopsPerExample(layout):N0} flops per example");
        context.Out.WriteLine($"{"precision",-9} {"engine",-11} {"m",7} {"ms/step",10} {"examples/s",12} {"GFLOP/s",8} {"% peak",7}");
        if (precision is "float" or "both")
        {
            Measure<float>(layout, m, seconds, seed, context.Out);
        }

        if (precision is "double" or "both")
        {
            Measure<double>(layout, m, seconds, seed, context.Out);
        }

        return 0;
    }

    private static void Measure<T>(NetworkLayout layout, int m, double seconds, ulong seed, TextWriter output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] theta = WeightInitializer.Create<T>(layout, seed);
        var gradient = new T[layout.ParameterCount];
        var features = new T[m * layout.InputSize];
        var labels = new int[m];
        ulong state = seed;
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = T.CreateTruncating(SplitMix64.NextUnit(ref state));
        }

        for (int t = 0; t < m; t++)
        {
            labels[t] = (int)(SplitMix64.NextUnit(ref state) * layout.OutputSize);
        }

        double peak = PeakGflops<T>(seconds / 2);
        var perExample = new BackpropagationOptions { Engine = BackpropagationEngine.PerExample };
        var batched = new BackpropagationOptions { Engine = BackpropagationEngine.Batched };
        (BackpropagationOptions Options, int Batch)[] runs = m == 1
            ? [(perExample, 1), (batched, 1)]
            : [(perExample, 1), (perExample, m), (batched, m)];
        foreach ((BackpropagationOptions options, int batch) in runs)
        {
            ReadOnlySpan<T> x = features.AsSpan(0, batch * layout.InputSize);
            ReadOnlySpan<int> y = labels.AsSpan(0, batch);
            for (int w = 0; w < 3; w++)
            {
                Backpropagation.CostAndGradient<T>(layout, theta, x, y, T.One, gradient, options); // warm-up (JIT, caches)
            }

            long steps = 0;
            long start = Stopwatch.GetTimestamp();
            TimeSpan elapsed;
            do
            {
                Backpropagation.CostAndGradient<T>(layout, theta, x, y, T.One, gradient, options);
                steps++;
                elapsed = Stopwatch.GetElapsedTime(start);
            }
            while (elapsed.TotalSeconds < seconds);

            double perStep = elapsed.TotalSeconds / steps;
            double gflops = TrainCommand.FlopsPerExample(layout) * batch / perStep / 1e9;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{typeof(T).Name.ToLowerInvariant(),-9} {(options == batched ? "batched" : "per-example"),-11} {batch,7} {perStep * 1e3,10:F4} {batch / perStep,12:N0} {gflops,8:F2} {100 * gflops / peak,6:F1}%"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{typeof(T).Name.ToLowerInvariant(),-9} peak {peak:F1} GFLOP/s (one thread, Vector<{typeof(T).Name}> FMA, {Vector<T>.Count} lanes)"));
    }

    /// <summary>Eight independent FMA chains hide the FMA latency, so this approaches one core's peak.</summary>
    /// <remarks>Fully optimized from the first call: it runs once, so tiered compilation would measure on-stack-replacement code.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double PeakGflops<T>(double seconds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = new Vector<T>(T.CreateTruncating(0.999999));
        var b = new Vector<T>(T.CreateTruncating(1e-7));
        Vector<T> c0 = Vector<T>.One, c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        long rounds = 0;
        long start = Stopwatch.GetTimestamp();
        TimeSpan elapsed;
        do
        {
            for (int i = 0; i < 4096; i++)
            {
                c0 = Fma(c0, a, b);
                c1 = Fma(c1, a, b);
                c2 = Fma(c2, a, b);
                c3 = Fma(c3, a, b);
                c4 = Fma(c4, a, b);
                c5 = Fma(c5, a, b);
                c6 = Fma(c6, a, b);
                c7 = Fma(c7, a, b);
            }

            rounds++;
            elapsed = Stopwatch.GetElapsedTime(start);
        }
        while (elapsed.TotalSeconds < seconds);

        // Use the result so the loop cannot be removed.
        T sink = Vector.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
        double flops = rounds * 4096.0 * 8 * 2 * Vector<T>.Count;
        return T.IsNaN(sink) ? 0 : flops / elapsed.TotalSeconds / 1e9;
    }

    /// <summary>a b + c in one rounding; the type test is folded away per instantiation.</summary>
    private static Vector<T> Fma<T>(Vector<T> a, Vector<T> b, Vector<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(double)
            ? Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>()
            : Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
}
