using HpcBackprop.Engine;
using HpcBackprop.Kernels.Gemm;
using GemmKernel = HpcBackprop.Kernels.Gemm.Gemm;

namespace HpcBackprop.Tests.Gemm;

/// <summary>A warm GEMM (every packing choice) and a warm batched engine call allocate nothing.</summary>
[Trait("Category", "Simd")]
[Collection(AllocationCollection.Name)]
public class GemmAllocationTests
{
    [Fact]
    public void A_warm_gemm_allocates_nothing_on_any_path()
    {
        var g = GemmCase<float>.Create(new Random(1), 61, 53, 300, true, false, 1f, useBias: false);
        float[] c = (float[])g.C0.Clone();
        var a = new float[61 * 53];
        // k = 4 KC + 1: blocks twice as deep (GemmBlocking.ForDepth), so larger packing buffers.
        var deep = GemmCase<float>.Create(new Random(2), 61, 53, (4 * GemmBlocking.ForActiveWidth<float>().KC) + 1, true, false, 1f, useBias: false);
        float[] cDeep = (float[])deep.C0.Clone();
        foreach (GemmPathChoice? path in new GemmPathChoice?[] { null, GemmPathChoice.Packed, new(false, false), new(true, false), new(false, true) })
        {
            AllocationProbe.AssertWarmCallsAllocateNothing(() => Run(g, c, a, path), warmCalls: 3, callsPerWindow: 1);
            AllocationProbe.AssertWarmCallsAllocateNothing(() => Run(deep, cDeep, a, path), warmCalls: 3, callsPerWindow: 1);
        }

        static void Run(GemmCase<float> g, float[] c, float[] a, GemmPathChoice? path)
        {
            bool finite = true;
            GemmKernel.Compute(g.OperandA, g.OperandB, g.Beta, ReadOnlySpan<float>.Empty, c, g.Ldc, default(NoEpilogue<float>), path);
            GemmKernel.Compute(g.OperandA, g.OperandB, 0f, g.Bias, c, g.Ldc, new SigmoidEpilogue<float>(ref finite), path);
            GemmKernel.Compute(g.OperandA, g.OperandB, 0f, ReadOnlySpan<float>.Empty, c, g.Ldc, new SigmoidGradientEpilogue<float>(a, 53), path);
        }
    }

    [Fact]
    public void A_warm_batched_engine_call_allocates_nothing()
    {
        Problem p = Problem.Create(31, maxLayers: 4, maxSize: 70, maxM: 90);
        float[] theta = Numerics.Convert<float>(p.Parameters);
        float[] x = Numerics.Convert<float>(p.Features);
        var gradient = new float[theta.Length];
        var ws = new BatchedWorkspace<float>(p.Layout, rowBlock: 32);
        AllocationProbe.AssertWarmCallsAllocateNothing(
            () => BatchedEngine.CostAndGradient(ws, theta, x, new Supervision<float>(p.Labels, p.Layout.OutputSize), 0.1f, gradient),
            warmCalls: 3,
            callsPerWindow: 1);
    }
}
