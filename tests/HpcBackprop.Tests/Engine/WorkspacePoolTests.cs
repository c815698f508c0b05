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
    public void Returned_workspaces_past_the_byte_budget_evict_the_oldest_but_the_last_is_kept()
    {
        // A 4200-4200-2 float workspace holds 70 MB of Delta: over the 64 MiB budget alone.
        var big = new NetworkLayout(4200, 4200, 2);
        var small = new NetworkLayout(3, 2);
        Workspace<float> smallWorkspace = WorkspacePool<Workspace<float>>.Rent(small);
        WorkspacePool<Workspace<float>>.Return(smallWorkspace);
        Assert.True(new Workspace<float>(big).Bytes > WorkspacePool<Workspace<float>>.MaxBytes);

        Workspace<float> bigWorkspace = WorkspacePool<Workspace<float>>.Rent(big);
        WorkspacePool<Workspace<float>>.Return(bigWorkspace);
        Assert.Equal(1, WorkspacePool<Workspace<float>>.Count);                         // the small one was evicted
        Assert.Same(bigWorkspace, WorkspacePool<Workspace<float>>.Rent(big));           // the last one is kept
        Assert.NotSame(smallWorkspace, WorkspacePool<Workspace<float>>.Rent(small));    // and the evicted one is gone
    }
}
