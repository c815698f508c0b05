using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>
/// The spec's per-example algorithm on the kernels: for each block of examples, the forward GEMVs,
/// the cost terms, the backward transposed GEMVs and the rank-1 Delta updates. Each Delta entry
/// receives its per-example terms in example order, so the block size does not change the gradient (J's
/// cost terms are summed block by block, so J may differ in its last bits);
/// blocking only means each weight is loaded once per block instead of once per example.
/// </summary>
/// <remarks>
/// Passes over the weights are what a call costs when they do not fit in L2 (784-256-10's Theta(1) is 804 KB
/// in float), so the ends of the loop are folded into their neighbours: the first block's forward GEMVs also
/// sum the squared weights for J, and the last block's outer products are added to Delta on their way into D
/// (<see cref="RegularizedOuterProduct"/>) instead of through Delta and a separate pass for D. A call of one
/// block (a request of one to eight examples) never touches Delta: the weights are read twice and D written
/// once. D is bit for bit what the plain loop gives; J's sum of squares is summed in another order.
/// </remarks>
internal static class PerExampleEngine
{
    /// <summary>
    /// Returns J and writes D into <paramref name="gradient"/> (when not empty). Arguments are validated
    /// by the caller. <paramref name="gradient"/> is written only after the inputs are known to be finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static T CostAndGradient<T>(
        Workspace<T> ws,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        Supervision<T> y,             // m labels or m x K targets
        T lambda,
        Span<T> gradient)             // ParameterCount, or empty for the cost alone
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        int m = y.Count;
        bool wantGradient = !gradient.IsEmpty;

        // The first block's forward GEMVs also sum the squared weights for J; the last block's outer
        // products go straight into D (below), not into Delta, which a single block never touches.
        Span<T> delta = m <= ws.BlockSize ? Span<T>.Empty : ws.Delta;
        if (wantGradient)
        {
            delta.Clear();
        }

        // The blocks' cost sums are added in double: in float, hundreds of thousands of blocks would otherwise lose
        // digits of J to the running sum's rounding (one block's few terms are summed in T).
        double cost = 0;
        T squares = T.Zero;
        bool finite = true;
        int lastStart = (m - 1) / ws.BlockSize * ws.BlockSize;

        // BackwardBound needs a bound on the earlier blocks' Delta: its largest entry, one pass over Delta at the end,
        // or, when Delta is the larger of the two (wide layers, few examples), each block's bound from its errors and
        // features while they are in cache.
        bool boundPerBlock = wantGradient && m > ws.BlockSize && layout.ParameterCount > (long)lastStart * layout.InputSize;
        double priorBound = 0;
        for (int start = 0; start < m; start += ws.BlockSize)
        {
            int count = Math.Min(ws.BlockSize, m - start);
            ReadOnlySpan<T> input = features.Slice(start * layout.InputSize, count * layout.InputSize);
            finite &= Forward(ws, parameters, input, count, squares: start == 0 && lambda != T.Zero, out T blockSquares);
            squares += blockSquares;

            // Cost terms from z(L), and d(L) = h - y.
            cost += double.CreateTruncating(OutputLayer.CostAndError(
                y, start, count, ws.OutputZ(count), ws.Activations(lastLayer, count), ws.Targets(count),
                wantGradient ? ws.Errors(lastLayer, count) : Span<T>.Empty));
            if (!wantGradient)
            {
                continue;
            }

            Backward(ws, parameters, count);
            if (start == lastStart)
            {
                break;
            }

            if (boundPerBlock)
            {
                priorBound += BackwardBound.OfBlock(count, HiddenErrors(ws, count), LargestMagnitude.Of(input));
            }

            // The next block's features come from memory (the 400-25-10 data set is 8 MB): ask for them now,
            // so they arrive during the outer products instead of stalling the next forward pass. The harness
            // measured 400-25-10, m = 5000 at 5.81 -> 5.43 ms (min of 6 alternated rounds; median 6.03 -> 5.56).
            int next = Math.Min(ws.BlockSize, m - start - count);
            Prefetch.ToL2(features.Slice((start + count) * layout.InputSize, next * layout.InputSize));

            // Delta(l) += d(l+1) [1; a(l)]'.
            for (int l = 0; l < lastLayer; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                ReadOnlySpan<T> al = l == 0 ? input : ws.Activations(l, count);
                RankOneUpdate.Accumulate(delta.Slice(layout.ThetaOffset(l), rows * columns), rows, columns, ws.Errors(l + 1, count), al, count);
            }
        }

        // J and a bound on the backward pass's sums are checked before anything is written: a throw leaves the
        // caller's gradient as it was.
        T j = Regularization.CheckedCost(parameters, features, finite, cost, m, lambda, squares);
        if (wantGradient)
        {
            int lastCount = m - lastStart;
            ReadOnlySpan<T> lastInput = features.Slice(lastStart * layout.InputSize, lastCount * layout.InputSize);
            double prior = boundPerBlock ? priorBound : delta.IsEmpty ? 0 : double.CreateTruncating(LargestMagnitude.Of<T>(delta));
            double bound = prior + BackwardBound.OfBlock(lastCount, HiddenErrors(ws, lastCount), LargestMagnitude.Of(lastInput));
            BackwardBound.ThrowUnlessFits(bound, m, lambda, squares);
            WriteGradient(ws, parameters, lastInput, lastCount, m, lambda, delta, gradient);
        }

        return j;
    }

    /// <summary>
    /// D from the last block, whose error terms and activations are still in the workspace, and the earlier
    /// blocks' Delta (empty: none): D(l) = (1/m) (Delta(l) + the block's d(l+1) [1; a(l)]') + (lambda/m) Theta(l)
    /// off the bias column, by <see cref="RegularizedOuterProduct"/>: bit for bit what accumulating the block
    /// into Delta and then forming D from Delta gives, in one pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void WriteGradient<T>(
        Workspace<T> ws,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> input,        // count x s(1): the last block's features
        int count,
        int m,
        T lambda,
        ReadOnlySpan<T> delta,        // ParameterCount, or empty
        Span<T> gradient)             // ParameterCount
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        T mT = T.CreateChecked(m);
        T invM = T.One / mT, scale = lambda / mT;
        for (int l = 0; l < layout.LayerCount - 1; l++)
        {
            int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
            int offset = layout.ThetaOffset(l), length = rows * columns;
            RegularizedOuterProduct.Compute(
                gradient.Slice(offset, length), rows, columns, ws.Errors(l + 1, count), l == 0 ? input : ws.Activations(l, count),
                count, invM, scale, parameters.Slice(offset, length), delta.IsEmpty ? delta : delta.Slice(offset, length));
        }
    }

    /// <summary>The largest |d(l)| of a block's hidden layers (0 without any), NaN when one is not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T HiddenErrors<T>(Workspace<T> ws, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T hidden = T.Zero;
        for (int l = 1; l < ws.Layout.LayerCount - 1; l++)
        {
            hidden = T.Max(hidden, LargestMagnitude.Of<T>(ws.Errors(l, count))); // T.Max keeps a NaN
        }

        return hidden;
    }

    /// <summary>d(l) = (Theta(l)' d(l+1))[1..] .* a(l) .* (1 - a(l)), l = L-1 .. 2, for one block whose d(L) is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void Backward<T>(Workspace<T> ws, ReadOnlySpan<T> parameters, int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        for (int l = layout.LayerCount - 2; l >= 1; l--)
        {
            int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
            ReadOnlySpan<T> theta = parameters.Slice(layout.ThetaOffset(l), rows * columns);
            Span<T> e = ws.Scratch(count * (columns - 1));
            GemvTransposed.Compute(theta, rows, columns, ws.Errors(l + 1, count), e, count);
            SigmoidGradientProduct.Compute<T>(e, ws.Activations(l, count), ws.Errors(l, count));
        }
    }

    /// <summary>
    /// Writes the output activations h (m x K) of m examples, and/or the predicted class (the index of
    /// the largest output) of each. Arguments are validated by the caller; outputs are written only once
    /// every pre-activation is known to be finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static void Score<T>(
        Workspace<T> ws,
        ReadOnlySpan<T> parameters,  // ParameterCount
        ReadOnlySpan<T> features,    // m x s(1)
        Span<T> outputs,             // m x K, or empty
        Span<int> classes)           // m, or empty
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int k = layout.OutputSize;
        int m = features.Length / layout.InputSize;

        // Results go out only when they are known to be finite, so bad input leaves the caller's buffers
        // as they were. One block (the latency case) is checked through its pre-activations as it runs;
        // more examples, written block by block, get a bound on every pre-activation first (one pass over
        // the inputs, which also finds a NaN or infinity), cheaper than a second forward pass; only when the
        // bound cannot rule out an overflow are the inputs checked and every block run once unwritten.
        if (m > ws.BlockSize && !ForwardBound.CannotOverflow(layout, parameters, features))
        {
            InputValidation.ThrowIfNonFiniteInput(parameters, features, layout.InputSize);
            for (int start = 0; start < m; start += ws.BlockSize)
            {
                int count = Math.Min(ws.BlockSize, m - start);
                if (!Forward(ws, parameters, features.Slice(start * layout.InputSize, count * layout.InputSize), count, squares: false, out _))
                {
                    ThrowOverflow<T>();
                }
            }
        }

        for (int start = 0; start < m; start += ws.BlockSize)
        {
            int count = Math.Min(ws.BlockSize, m - start);
            if (!Forward(ws, parameters, features.Slice(start * layout.InputSize, count * layout.InputSize), count, squares: false, out _))
            {
                InputValidation.ThrowIfNonFiniteInput(parameters, features, layout.InputSize);
                ThrowOverflow<T>();
            }

            Emit(ws, start, count, outputs, classes);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
        void Emit(Workspace<T> w, int start, int count, Span<T> outputs, Span<int> classes)
        {
            ReadOnlySpan<T> h = w.Activations(layout.LayerCount - 1, count);
            if (!outputs.IsEmpty)
            {
                h.CopyTo(outputs.Slice(start * k, count * k));
            }

            for (int t = 0; t < count && !classes.IsEmpty; t++)
            {
                // The largest z is the largest h (g is increasing), and z does not saturate to ties.
                ReadOnlySpan<T> z = w.OutputZ(count).Slice(t * k, k);
                int best = 0;
                for (int i = 1; i < k; i++)
                {
                    if (z[i] > z[best])
                    {
                        best = i;
                    }
                }

                classes[start + t] = best;
            }
        }
    }

    private static void ThrowOverflow<T>()
        => throw new ArithmeticException(
            $"The forward pass overflowed although every input is finite: the weights or features are too large for {typeof(T).Name}.");

    /// <summary>
    /// Forward pass of one block: a(l+1) = g(Theta(l) [1; a(l)]), keeping z(L) for the cost. Returns
    /// whether every pre-activation was finite; with <paramref name="squares"/>, also the sum of the squared
    /// non-bias weights, from the GEMVs' own loads of Theta.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static bool Forward<T>(Workspace<T> ws, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, int count, bool squares, out T sumOfSquares)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        sumOfSquares = T.Zero;
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        bool finite = true;
        ReadOnlySpan<T> a = input;                       // count x s(1)
        for (int l = 0; l < lastLayer; l++)
        {
            int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
            ReadOnlySpan<T> theta = parameters.Slice(layout.ThetaOffset(l), rows * columns);
            Span<T> next = ws.Activations(l + 1, count); // count x s(l+1)
            Span<T> z = l + 1 == lastLayer ? ws.OutputZ(count) : next;
            if (squares)
            {
                sumOfSquares += GemvWithBias.ComputeWithSquares(theta, rows, columns, a, z, count);
            }
            else
            {
                GemvWithBias.Compute(theta, rows, columns, a, z, count);
            }

            finite &= AllFinite.Check<T>(z);
            Sigmoid.Compute(z, next);
            a = next;
        }

        return finite;
    }
}
