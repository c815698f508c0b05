using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;
using HpcBackprop.Kernels.Gemm;

namespace HpcBackprop.Engine;

/// <summary>
/// The spec's batched form ("The same thing for a batch") on the packed GEMM: the examples are
/// stacked as rows, a row block at a time, so each product reads every weight once per block instead
/// of once per example. Per row block of <c>count</c> examples, with s = s(l), s' = s(l+1):
/// <code>
/// A(l+1) = g(A(l) Theta(l)[:,1:]' + Theta(l)[:,0]')     count x s'   (sigmoid fused into the GEMM)
/// D(L)   = g(Z(L)) - Y                                   count x K    (cost terms read from Z(L))
/// D(l)   = (D(l+1) Theta(l)[:,1:]) .* A(l) .* (1 - A(l)) count x s    (product fused into the GEMM)
/// Delta(l)[:,1:] += D(l+1)' A(l);  Delta(l)[:,0] += column sums of D(l+1)
/// </code>
/// No matrix is transposed or given a ones column in memory: the GEMM reads Theta without its bias
/// column through a leading dimension, and reads D(l+1) transposed in place.
/// </summary>
/// <remarks>
/// The same sums as <see cref="PerExampleEngine"/> in another order, so the results agree to rounding.
/// Multi-threaded through <see cref="ParallelGemm{T}"/>: each product big enough to gain is split into
/// output blocks of Z, D and Delta (fixed by the shapes alone), each written by one thread of
/// <see cref="WorkerTeam.Shared"/>, and every entry's terms are added in an order fixed by the shapes
/// alone, so the result is bitwise the same for every thread count. The cost terms, the column sums
/// (Delta's bias column) and the regularization stay on the calling thread.
/// </remarks>
internal static class BatchedEngine
{
    /// <summary>
    /// Returns J and writes D into <paramref name="gradient"/> (when not empty). Arguments are validated
    /// by the caller. <paramref name="gradient"/> is written only after J is known to be finite.
    /// <paramref name="maxDegreeOfParallelism"/> is the most threads the call may use, the caller's
    /// included (at least 1); the result does not depend on it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        BatchedWorkspace<T> ws,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        Supervision<T> y,             // m labels or m x K targets
        T lambda,
        Span<T> gradient,             // ParameterCount, or empty for the cost alone
        int maxDegreeOfParallelism = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegreeOfParallelism, 1);
        WorkerTeam? team = maxDegreeOfParallelism > 1 ? WorkerTeam.Shared : null;
        int dop = maxDegreeOfParallelism;
        ParallelGemm<T> gemm = ws.Gemm;
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        int m = y.Count;
        bool wantGradient = !gradient.IsEmpty;
        Span<T> delta = ws.Delta;
        if (wantGradient)
        {
            delta.Clear();
        }

        // Every z must be finite (the contract of Regularization.Finish): the hidden layers' z are
        // checked by the fused sigmoid as they are computed, z(L) after its product.
        bool finite = true;
        for (int l = 0; l < layout.ThetaCount; l++)
        {
            ReadOnlySpan<T> theta = Theta(layout, parameters, l);
            Span<T> bias = ws.Bias(l);
            int columns = layout.ThetaColumns(l);
            for (int i = 0; i < bias.Length; i++)
            {
                bias[i] = theta[i * columns];
            }
        }

        T cost = T.Zero;
        for (int start = 0; start < m; start += ws.RowBlock)
        {
            int count = Math.Min(ws.RowBlock, m - start);
            ReadOnlySpan<T> input = features.Slice(start * layout.InputSize, count * layout.InputSize);

            // Forward: A(l+1) = g(Z(l+1)), Z(l+1) = bias' + A(l) Theta(l)[:,1:]'; Z(L) is kept for the cost.
            for (int l = 0; l < lastLayer; l++)
            {
                int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
                var a = new GemmOperand<T>(l == 0 ? input : ws.Activations(l, count), count, s, s, transposed: false);
                var thetaT = new GemmOperand<T>(Theta(layout, parameters, l)[1..], s, next, s + 1, transposed: true);
                if (l + 1 == lastLayer)
                {
                    Span<T> z = ws.OutputZ(count);
                    gemm.Compute(team, dop, in a, in thetaT, T.Zero, ws.Bias(l), z, next, ParallelEpilogue.None);
                    finite &= AllFinite.Check<T>(z);
                    Sigmoid.Compute<T>(z, ws.Activations(lastLayer, count));
                }
                else
                {
                    finite &= gemm.Compute(team, dop, in a, in thetaT, T.Zero, ws.Bias(l), ws.Activations(l + 1, count), next, ParallelEpilogue.Sigmoid);
                }
            }

            // Cost terms from Z(L), and D(L) = A(L) - Y.
            cost += OutputLayer.CostAndError(
                y, start, count, ws.OutputZ(count), ws.Activations(lastLayer, count), ws.Targets(count),
                wantGradient ? ws.Errors(lastLayer, count) : Span<T>.Empty);
            if (!wantGradient)
            {
                continue;
            }

            // Backward: D(l) = (D(l+1) Theta(l)[:,1:]) .* A(l) .* (1 - A(l)), l = L-1 .. 2.
            for (int l = lastLayer - 1; l >= 1; l--)
            {
                int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
                var d = new GemmOperand<T>(ws.Errors(l + 1, count), count, next, next, transposed: false);
                var theta = new GemmOperand<T>(Theta(layout, parameters, l)[1..], next, s, s + 1, transposed: false);
                gemm.Compute(team, dop, in d, in theta, T.Zero, ReadOnlySpan<T>.Empty, ws.Errors(l, count), s,
                    ParallelEpilogue.SigmoidGradient, ws.Activations(l, count), s);
            }

            // Delta(l)[:,1:] += D(l+1)' A(l); Delta(l)[:,0] += the column sums of D(l+1).
            for (int l = 0; l < lastLayer; l++)
            {
                int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
                Span<T> deltaL = delta.Slice(layout.ThetaOffset(l), layout.ThetaLength(l));
                ReadOnlySpan<T> errors = ws.Errors(l + 1, count);
                var dT = new GemmOperand<T>(errors, next, count, next, transposed: true);
                var a = new GemmOperand<T>(l == 0 ? input : ws.Activations(l, count), count, s, s, transposed: false);
                gemm.Compute(team, dop, in dT, in a, T.One, ReadOnlySpan<T>.Empty, deltaL[1..], s + 1, ParallelEpilogue.None);
                ColumnSums.Accumulate(errors, count, next, deltaL, s + 1, ws.ColumnSums);
            }
        }

        return Regularization.Finish(layout, parameters, features, finite, cost, m, lambda, delta, gradient);
    }

    private static ReadOnlySpan<T> Theta<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, int index)
        => parameters.Slice(layout.ThetaOffset(index), layout.ThetaLength(index));
}
