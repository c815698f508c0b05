namespace HpcBackprop.Tests.Engine;

/// <summary>Many threads through the shared pool get the same results as serial calls.</summary>
public class ConcurrencyTests
{
    [Fact]
    public void Concurrent_calls_through_the_pool_equal_serial_calls()
    {
        NetworkLayout[] layouts = [new(20, 12, 4), new(7, 5), new(16, 9, 8, 3)];
        var problems = Enumerable.Range(0, 12).Select(i =>
        {
            var p = Problem.Create(1000 + i);
            return Problem.Create(1000 + i) with
            {
                Layout = layouts[i % 3],
                Parameters = WeightInitializer.Create<double>(layouts[i % 3], (ulong)i),
                Features = Enumerable.Range(0, p.M * layouts[i % 3].InputSize).Select(j => Math.Sin(i + j)).ToArray(),
                Labels = p.Labels.Select(l => l % layouts[i % 3].OutputSize).ToArray(),
            };
        }).ToArray();

        var serial = problems.Select(p =>
        {
            var g = new double[p.Layout.ParameterCount];
            double j = Backpropagation.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, g);
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
                double j = Backpropagation.CostAndGradient<double>(p.Layout, p.Parameters, p.Features, p.Labels, p.Lambda, g);
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
