using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

/// <summary>
/// The static entry points' pool keeps workspaces by bytes, not by a count of 16: a service that cycles through
/// many small layouts stays allocation-free when warm (an outside probe found the 17th layout in a round robin
/// allocating 175 KB per call), and large workspaces do not pile up past the budget.
/// </summary>
[Collection(AllocationCollection.Name)]
public class WorkspacePoolTests
{
    private sealed record Problem(NetworkLayout Layout, float[] Theta, float[] X, int[] Labels, float[] Gradient);

    private static Problem[] Problems(int layouts, int m)
    {
        var random = new Random(17);
        return [.. Enumerable.Range(0, layouts).Select(i =>
        {
            var layout = new NetworkLayout(20, 5, 2 + i);
            float[] x = [.. Enumerable.Range(0, m * 20).Select(_ => (float)random.NextDouble())];
            int[] labels = [.. Enumerable.Range(0, m).Select(_ => random.Next(2 + i))];
            return new Problem(layout, WeightInitializer.Create<float>(layout, (ulong)i), x, labels, new float[layout.ParameterCount]);
        })];
    }

    [Theory]
    [InlineData(4)]   // per-example engine
    [InlineData(64)]  // batched engine
    public void Forty_layouts_in_a_round_robin_allocate_nothing_when_warm(int m)
    {
        Problem[] problems = Problems(40, m);
        AllocationProbe.AssertWarmCallsAllocateNothing(
            () =>
            {
                foreach (Problem p in problems)
                {
                    Backpropagation.CostAndGradient<float>(p.Layout, p.Theta, p.X, p.Labels, 1f, p.Gradient);
                }
            },
            warmCalls: 3,
            callsPerWindow: 2);
    }

    [Fact]
    public void Past_the_floor_of_kept_workspaces_the_byte_budget_evicts_the_oldest()
    {
        Drain();

        // Below MinCount every workspace is kept, however large: four of 20 MB (80 MB, over the budget) stay, one per
        // concurrent caller of a large layout.
        var large = new NetworkLayout(2250, 2250, 2);
        Workspace<float>[] held = [.. Enumerable.Range(0, 4).Select(_ => new Workspace<float>(large))];
        Assert.True(4 * held[0].Bytes > WorkspacePool<Workspace<float>>.MaxBytes);
        foreach (Workspace<float> w in held)
        {
            WorkspacePool<Workspace<float>>.Return(w);
        }

        Assert.Equal(4, WorkspacePool<Workspace<float>>.Count);
        Drain();

        // At MinCount and over the budget, a returned workspace evicts the oldest (and is kept itself).
        int floor = WorkspacePool<Workspace<float>>.MinCount;
        Workspace<float>[] small = [.. Enumerable.Range(0, floor).Select(i => new Workspace<float>(new NetworkLayout(3, 2 + i)))];
        foreach (Workspace<float> w in small)
        {
            WorkspacePool<Workspace<float>>.Return(w);
        }

        var big = new Workspace<float>(new NetworkLayout(4200, 4200, 2)); // 70 MB: over the budget alone
        Assert.True(big.Bytes > WorkspacePool<Workspace<float>>.MaxBytes);
        WorkspacePool<Workspace<float>>.Return(big);
        Assert.Equal(floor, WorkspacePool<Workspace<float>>.Count);
        Assert.Same(big, WorkspacePool<Workspace<float>>.Rent(big.Layout));
        Assert.NotSame(small[0], WorkspacePool<Workspace<float>>.Rent(small[0].Layout)); // the oldest was evicted
        Assert.Same(small[1], WorkspacePool<Workspace<float>>.Rent(small[1].Layout));
        Drain();
    }

    // Empties the float pool (other tests' workspaces included: this class runs in the non-parallel collection).
    private static void Drain()
    {
        int count = WorkspacePool<Workspace<float>>.MaxCount;
        for (int i = 0; i < count; i++)
        {
            WorkspacePool<Workspace<float>>.Return(new Workspace<float>(new NetworkLayout(1, 1)));
        }

        var tiny = new NetworkLayout(1, 1);
        while (WorkspacePool<Workspace<float>>.Count > 0)
        {
            WorkspacePool<Workspace<float>>.Rent(tiny);
        }
    }
}
