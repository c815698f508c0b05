namespace HpcBackprop.Tests.Engine;

/// <summary>Many threads through the shared pool get the same results as serial calls.</summary>
public class ConcurrencyTests
{
    /// <summary>
    /// Twelve problems on three layouts, half with m &lt; 32 (the per-example engine and its pool) and half with
    /// m of 40 to 270 (the batched engine and its pool), a third of those on two threads each (the shared worker
    /// team); six threads call them in turn, 200 calls each, and every result equals the serial one bit for bit.
    /// </summary>
    [Fact]
    public void Concurrent_calls_through_the_pool_equal_serial_calls()
    {
        NetworkLayout[] layouts = [new(20, 12, 4), new(7, 5), new(16, 9, 8, 3)];
        var problems = Enumerable.Range(0, 12).Select(i =>
        {
            NetworkLayout layout = layouts[i % 3];
            int m = i % 2 == 0 ? 1 + (i % 9) : 40 + (23 * i);
            var rng = new Random(1000 + i);
            return Problem.ForLayout(1000 + i, layout, m) with
            {
                Parameters = WeightInitializer.Create<double>(layout, (ulong)i),
                Features = Enumerable.Range(0, m * layout.InputSize).Select(j => Math.Sin(i + j)).ToArray(),
                Labels = Enumerable.Range(0, m).Select(_ => rng.Next(layout.OutputSize)).ToArray(),
            };
        }).ToArray();
        var options = problems.Select((p, i) => new BackpropagationOptions { MaxDegreeOfParallelism = i % 3 == 1 ? 2 : 1 }).ToArray();
        Assert.Contains(problems, p => p.M >= 32);
        Assert.Contains(problems, p => p.M < 32);

        var serial = problems.Select((p, i) =>
        {
            var g = new double[p.Layout.ParameterCount];
            double j = Backpropagation.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, g, options[i]);
            return (j, g);
        }).ToArray();

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = Enumerable.Range(0, 6).Select(th => new Thread(() =>
        {
            for (int rep = 0; rep < 200; rep++)
            {
                int i = (th * 7 + rep) % problems.Length;
                var p = problems[i];
                var g = new double[p.Layout.ParameterCount];
                double j = Backpropagation.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, g, options[i]);
                if (j != serial[i].j || !g.AsSpan().SequenceEqual(serial[i].g))
                {
                    failures.Add($"thread {th}, call {rep}, problem {i}");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }
}
