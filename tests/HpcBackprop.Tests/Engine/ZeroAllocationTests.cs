using System.Numerics;

namespace HpcBackprop.Tests.Engine;

/// <summary>Warm calls allocate nothing: measured with the thread's allocation counter, not assumed.</summary>
[Trait("Category", "Simd")]
[Collection(AllocationCollection.Name)]
public class ZeroAllocationTests
{
    public static TheoryData<int[]> Layouts => new()
    {
        new[] { 64, 10 },
        new[] { 64, 25, 10 },
        new[] { 30, 17, 9, 4 },
        new[] { 20, 33, 12, 7, 3 },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Static_entry_points_allocate_nothing_when_warm_float(int[] sizes) => StaticEntryPoints<float>(sizes);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Static_entry_points_allocate_nothing_when_warm_double(int[] sizes) => StaticEntryPoints<double>(sizes);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Explicit_workspace_allocates_nothing_when_warm_float(int[] sizes) => ExplicitWorkspace<float>(sizes);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Explicit_workspace_allocates_nothing_when_warm_double(int[] sizes) => ExplicitWorkspace<double>(sizes);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Batched_engine_allocates_nothing_when_warm_float(int[] sizes) => BatchedEngine<float>(sizes);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Batched_engine_allocates_nothing_when_warm_double(int[] sizes) => BatchedEngine<double>(sizes);

    private static void BatchedEngine<T>(int[] sizes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (layout, theta, x, labels, targets, gradient, _, _) = Make<T>(sizes);
        var options = new BackpropagationOptions { Engine = BackpropagationEngine.Batched };
        using var ws = new BackpropagationWorkspace<T>(layout, options);
        T lambda = T.CreateChecked(0.5);
        void Calls()
        {
            Backpropagation.CostAndGradient<T>(layout, theta, x, labels, lambda, gradient, options);
            Backpropagation.CostAndGradient<T>(layout, theta, x, targets, lambda, gradient, options);
            ws.CostAndGradient(theta, x, labels, lambda, gradient);
        }

        AllocationProbe.AssertWarmCallsAllocateNothing(Calls);
    }

    private static void StaticEntryPoints<T>(int[] sizes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (layout, theta, x, labels, targets, gradient, outputs, classes) = Make<T>(sizes);
        T lambda = T.CreateChecked(0.5);
        void Calls()
        {
            Backpropagation.CostAndGradient<T>(layout, theta, x, labels, lambda, gradient);
            Backpropagation.CostAndGradient<T>(layout, theta, x, targets, lambda, gradient);
            Backpropagation.Cost<T>(layout, theta, x, labels, lambda);

            // One example, three and eight: one block, the route that writes D without Delta.
            Backpropagation.CostAndGradient<T>(layout, theta, x.AsSpan(0, layout.InputSize), labels.AsSpan(0, 1), lambda, gradient);
            Backpropagation.CostAndGradient<T>(layout, theta, x.AsSpan(0, 3 * layout.InputSize), targets.AsSpan(0, 3 * layout.OutputSize), lambda, gradient);
            Backpropagation.CostAndGradient<T>(layout, theta, x.AsSpan(0, 8 * layout.InputSize), labels.AsSpan(0, 8), lambda, gradient);
            Backpropagation.Cost<T>(layout, theta, x.AsSpan(0, layout.InputSize), labels.AsSpan(0, 1), lambda);
            Backpropagation.Forward<T>(layout, theta, x, outputs);
            Backpropagation.Forward<T>(layout, theta, x.AsSpan(0, layout.InputSize), outputs.AsSpan(0, layout.OutputSize));
            Backpropagation.Predict<T>(layout, theta, x, classes);
        }

        AllocationProbe.AssertWarmCallsAllocateNothing(Calls);
    }

    private static void ExplicitWorkspace<T>(int[] sizes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (layout, theta, x, labels, targets, gradient, outputs, classes) = Make<T>(sizes);
        using var ws = new BackpropagationWorkspace<T>(layout);
        T lambda = T.CreateChecked(0.5);
        void Calls()
        {
            ws.CostAndGradient(theta, x, labels, lambda, gradient);
            ws.CostAndGradient(theta, x, targets, lambda, gradient);
            ws.CostAndGradient(theta, x.AsSpan(0, layout.InputSize), labels.AsSpan(0, 1), lambda, gradient);
            ws.CostAndGradient(theta, x.AsSpan(0, 2 * layout.InputSize), targets.AsSpan(0, 2 * layout.OutputSize), lambda, gradient);
            ws.Forward(theta, x, outputs);
            ws.Predict(theta, x, classes);
            ws.Cost(theta, x, labels, lambda);
            ws.Cost(theta, x, targets, lambda);
        }

        AllocationProbe.AssertWarmCallsAllocateNothing(Calls);

        // The cost alone is the cost that comes with the gradient, for labels and for targets.
        Assert.Equal(ws.CostAndGradient(theta, x, labels, lambda, gradient), ws.Cost(theta, x, labels, lambda));
        Assert.Equal(ws.CostAndGradient(theta, x, targets, lambda, gradient), ws.Cost(theta, x, targets, lambda));
        Assert.Equal(Backpropagation.Cost<T>(layout, theta, x, targets, lambda), ws.Cost(theta, x, targets, lambda));
    }

    private static (NetworkLayout, T[], T[], int[], T[], T[], T[], int[]) Make<T>(int[] sizes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layout = new NetworkLayout(sizes);
        const int m = 13; // not a multiple of the block size: the tail block is exercised too
        T[] theta = WeightInitializer.Create<T>(layout, 3);
        var rng = new Random(5);
        T[] x = Enumerable.Range(0, m * layout.InputSize).Select(_ => T.CreateChecked(rng.NextDouble())).ToArray();
        int[] labels = Enumerable.Range(0, m).Select(t => t % layout.OutputSize).ToArray();
        T[] targets = Enumerable.Range(0, m * layout.OutputSize).Select(_ => T.CreateChecked(rng.NextDouble())).ToArray();
        return (layout, theta, x, labels, targets, new T[layout.ParameterCount], new T[m * layout.OutputSize], new int[m]);
    }
}
