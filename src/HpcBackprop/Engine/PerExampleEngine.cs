using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>
/// The spec's per-example algorithm on the kernels: for each block of examples, the forward GEMVs,
/// the cost terms, the backward transposed GEMVs and the rank-1 Delta updates. Each Delta entry
/// receives its per-example terms in example order, so the block size does not change the result;
/// blocking only means each weight is loaded once per block instead of once per example.
/// </summary>
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
        if (m <= ws.BlockSize)
        {
            return OneBlock(ws, parameters, features, y, lambda, gradient);
        }

        bool wantGradient = !gradient.IsEmpty;
        Span<T> delta = ws.Delta;
        if (wantGradient)
        {
            delta.Clear();
        }

        T cost = T.Zero;
        bool finite = true;
        for (int start = 0; start < m; start += ws.BlockSize)
        {
            int count = Math.Min(ws.BlockSize, m - start);
            ReadOnlySpan<T> input = features.Slice(start * layout.InputSize, count * layout.InputSize);
            finite &= Forward(ws, parameters, input, count, squares: false, out _);

            // Cost terms from z(L), and d(L) = h - y.
            cost += OutputLayer.CostAndError(
                y, start, count, ws.OutputZ(count), ws.Activations(lastLayer, count), ws.Targets(count),
                wantGradient ? ws.Errors(lastLayer, count) : Span<T>.Empty);
            if (!wantGradient)
            {
                continue;
            }

            Backward(ws, parameters, count);

            // Delta(l) += d(l+1) [1; a(l)]'.
            for (int l = 0; l < lastLayer; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                ReadOnlySpan<T> al = l == 0 ? input : ws.Activations(l, count);
                RankOneUpdate.Accumulate(delta.Slice(layout.ThetaOffset(l), rows * columns), rows, columns, ws.Errors(l + 1, count), al, count);
            }
        }

        return Regularization.Finish(layout, parameters, features, finite, cost, m, lambda, delta, gradient);
    }

    /// <summary>
    /// All m examples in one block (a request of one to a few examples): the weights are read once by the
    /// forward pass, which also sums their squares for J, and once more to write D directly from the
    /// block's error terms (<see cref="RegularizedOuterProduct"/>); Delta is never touched. The result is
    /// bit for bit that of the blocked loop, except J's sum of squares, summed in another order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static T OneBlock<T>(
        Workspace<T> ws,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1), m <= BlockSize
        Supervision<T> y,             // m labels or m x K targets
        T lambda,
        Span<T> gradient)             // ParameterCount, or empty for the cost alone
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        int count = y.Count;
        bool wantGradient = !gradient.IsEmpty;
        bool finite = Forward(ws, parameters, features, count, squares: lambda != T.Zero, out T squares);
        T cost = OutputLayer.CostAndError(
            y, 0, count, ws.OutputZ(count), ws.Activations(lastLayer, count), ws.Targets(count),
            wantGradient ? ws.Errors(lastLayer, count) : Span<T>.Empty);

        // J is checked before anything is written: a throw leaves the caller's gradient as it was.
        T j = Regularization.CheckedCost(parameters, features, finite, cost, count, lambda, squares);
        if (wantGradient)
        {
            Backward(ws, parameters, count);
            T mT = T.CreateChecked(count);
            T invM = T.One / mT, scale = lambda / mT;
            for (int l = 0; l < lastLayer; l++)
            {
                int rows = layout.ThetaRows(l), columns = layout.ThetaColumns(l);
                int offset = layout.ThetaOffset(l), length = rows * columns;
                RegularizedOuterProduct.Compute(
                    gradient.Slice(offset, length), rows, columns, ws.Errors(l + 1, count), l == 0 ? features : ws.Activations(l, count),
                    count, invM, scale, parameters.Slice(offset, length));
            }
        }

        return j;
    }

    /// <summary>d(l) = (Theta(l)' d(l+1))[1..] .* a(l) .* (1 - a(l)), l = L-1 .. 2, for one block whose d(L) is set.</summary>
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
        // more examples get one up-front scan of the inputs, cheaper than a second forward pass.
        if (m > ws.BlockSize)
        {
            InputValidation.ThrowIfNonFiniteInput(parameters, features);
        }

        for (int start = 0; start < m; start += ws.BlockSize)
        {
            int count = Math.Min(ws.BlockSize, m - start);
            if (!Forward(ws, parameters, features.Slice(start * layout.InputSize, count * layout.InputSize), count, squares: false, out _))
            {
                InputValidation.ThrowIfNonFiniteInput(parameters, features);
                throw new ArithmeticException(
                    $"The forward pass overflowed although every input is finite: the weights or features are too large for {typeof(T).Name}.");
            }

            Emit(ws, start, count, outputs, classes);
        }

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
