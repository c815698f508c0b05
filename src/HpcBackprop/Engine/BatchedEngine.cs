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
/// The last row block's Delta products write the regularized gradient D(l) = (1/m) (Delta(l) + D(l+1)' [1 A(l)]) +
/// (lambda/m) [0 Theta(l)[:,1:]] straight from the GEMM (<see cref="RegularizedGradientEpilogue{T}"/>), once J is known
/// to be finite: Delta is never cleared (the first block overwrites it), and when m fits one row block it is not
/// touched at all. Only the row-block-parallel mode below keeps the separate pass of <see cref="Regularization.Finish"/>.
/// No matrix is transposed or given a ones column in memory: the GEMM reads Theta without its bias
/// column through a leading dimension, and reads D(l+1) transposed in place. When m spans several row
/// blocks, each Theta(l)' is packed once per call for all of them (<see cref="BatchedWorkspace{T}.PackThetas"/>):
/// 1.97-2.17 ms against 2.09-2.98 ms per 400-25-10 step (m = 5000, float, one thread, Zen 5, min over 5 rounds
/// in each of 6 processes per build, builds alternated).
/// </summary>
/// <remarks>
/// The same sums as <see cref="PerExampleEngine"/> in another order, so the results agree to rounding.
/// Multi-threaded in one of two ways, chosen by the shapes alone (never by the thread count):
/// <list type="bullet">
/// <item>Products big enough to gain (<see cref="ParallelGemm{T}.WorthSplitting"/>) are split into output
/// blocks of Z, D and Delta (fixed by the shapes alone), each written by one thread of
/// <see cref="WorkerTeam.Shared"/>; every entry's terms are added in an order fixed by the shapes alone.</item>
/// <item>When no product of a row block has <see cref="ParallelGemm{T}.MinMultiplyAdds"/> multiply-adds (narrow layers,
/// such as 400-25-10) and there are several row blocks, the row blocks themselves are shared out (<see cref="RowBlockWork{T}"/>): a fixed
/// number of chunks of consecutive row blocks, each accumulating its own Delta and cost, which are then
/// added in chunk order.</item>
/// </list>
/// Either way the result is bitwise the same for every thread count. When the products are split and a gradient is
/// wanted, the sum of squared weights for J and the last block's largest feature are one more item of that block's
/// first product (<see cref="InputReductions{T}"/>); for the cost alone, and in the row-block-parallel mode,
/// <see cref="Regularization.Finish"/> sums the squares on the calling thread.
/// </remarks>
internal static class BatchedEngine
{
    /// <summary>
    /// Most chunks the row-block-parallel mode splits m into (each holds a Delta of its own): enough to
    /// balance 2 to 4 threads with dynamic hand-out.
    /// </summary>
    public const int MaxChunks = 32;

    /// <summary>The row-block-parallel mode is not used when its partial Deltas would take more than this.</summary>
    public const long MaxPartialBytes = 64L << 20;

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
        NetworkLayout layout = ws.Layout;
        int m = y.Count;
        bool wantGradient = !gradient.IsEmpty;
        Span<T> delta = ws.Delta;
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

        // Every z must be finite (the contract of Regularization.Finish): the hidden layers' z are
        // checked by the fused sigmoid as they are computed, z(L) after its product.
        // The blocks' cost sums are added in double, as in PerExampleEngine: a float running sum over thousands of
        // blocks loses digits of J (one block's terms are summed in T).
        double cost = 0;
        bool finite = true;

        // Several row blocks read the same Theta(l)': packed once here rather than by every block's forward product.
        bool packedThetas = m > ws.RowBlock;
        if (packedThetas)
        {
            ws.PackThetas(parameters);
        }

        int chunks = Chunks(layout, m, ws.RowBlock, Unsafe.SizeOf<T>());
        if (chunks > 1)
        {
            ws.RowBlocks.Run(team, dop, parameters, features, y, chunks, wantGradient, packedThetas);
            Span<double> costs = ws.BlockCosts(chunks);
            Span<bool> blockFinite = ws.BlockFinite(chunks);
            for (int c = 0; c < chunks; c++)
            {
                cost += costs[c];
                finite &= blockFinite[c];
            }

            if (wantGradient)
            {
                // Delta = the chunks' Deltas added in chunk order (1 x + 1 y is exactly x + y).
                ReadOnlySpan<T> partials = ws.Partials(chunks);
                int w = layout.ParameterCount;
                partials[..w].CopyTo(delta);
                for (int c = 1; c < chunks; c++)
                {
                    ScaledSum.Compute(T.One, delta, T.One, partials.Slice(c * w, w), delta);
                }
            }
        }
        else
        {
            for (int start = 0; start < m; start += ws.RowBlock)
            {
                int count = Math.Min(ws.RowBlock, m - start);
                bool lastBlock = start + count == m;

                // The last block's first forward product also sums J's squared weights and finds the block's largest
                // feature (for BackwardBound), as one more item beside its blocks (InputReductions).
                InputReductions<T>? reductions = wantGradient && lastBlock ? ws.Reductions : null;
                finite &= Forward(ws, ws.Buffers, ws.Gemm, team, dop, parameters, features, y, start, count, wantGradient, reductions, sumSquares: lambda != T.Zero, packedThetas, out T blockCost);
                T squares = reductions is null ? T.Zero : reductions.Squares;
                T largestFeature = reductions is null ? T.Zero : reductions.LargestFeature;
                cost += double.CreateTruncating(blockCost);
                if (!wantGradient)
                {
                    continue;
                }

                BackwardErrors(ws, ws.Buffers, ws.Gemm, team, dop, parameters, count);
                if (!lastBlock)
                {
                    // The first block overwrites Delta: it is never cleared.
                    BackwardDeltas(ws, ws.Buffers, ws.Gemm, team, dop, parameters, features, start, count, delta, start == 0 ? T.Zero : T.One);
                    continue;
                }

                // The last block: J and a bound on the Delta sums (BackwardBound) are checked, so a throw leaves the
                // gradient untouched, before its Delta products write D straight into the gradient, on top of the
                // earlier blocks' Delta.
                T j = Regularization.CheckedCost(parameters, features, finite, cost, m, lambda, squares);
                T hidden = T.Zero;
                for (int l = 1; l < layout.LayerCount - 1; l++)
                {
                    hidden = T.Max(hidden, LargestMagnitude.Of<T>(ws.Buffers.Errors(l, count))); // T.Max keeps a NaN
                }

                double prior = start == 0 ? 0 : double.CreateTruncating(LargestMagnitude.Of<T>(delta));
                BackwardBound.ThrowUnlessFits(prior + BackwardBound.OfBlock(count, hidden, largestFeature), m, lambda, squares);
                T mT = T.CreateChecked(m);
                var target = new GradientTarget<T>(gradient, start == 0 ? ReadOnlySpan<T>.Empty : delta, T.One / mT, lambda / mT);
                BackwardDeltas(ws, ws.Buffers, ws.Gemm, team, dop, parameters, features, start, count, Span<T>.Empty, T.Zero, in target);
                return j;
            }
        }

        return Regularization.Finish(layout, parameters, features, finite, cost, m, lambda, delta, gradient);
    }

    /// <summary>
    /// How many chunks of row blocks the row-block-parallel mode splits m into, or 1 when the products are
    /// split instead: a function of the shapes alone, so every thread count takes the same route. The mode
    /// applies when there are several row blocks, no product of a row block has <see cref="ParallelGemm{T}.MinMultiplyAdds"/>
    /// multiply-adds and the chunks' Deltas fit <see cref="MaxPartialBytes"/>.
    /// </summary>
    /// <remarks>
    /// Multiply-adds only: a row block whose products are split for their size alone (<see cref="ParallelGemm{T}.MinElements"/>,
    /// such as 256 x 1000 x 10) still takes this mode, which gives each thread whole row blocks of its own. The element
    /// criterion was measured on a single row block (the 1024-1024-1024-10 step); the two modes were not compared on such layouts.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static int Chunks(NetworkLayout layout, int m, int rowBlock, int elementBytes)
    {
        int blocks = (m + rowBlock - 1) / rowBlock;
        if (blocks < 2)
        {
            return 1;
        }

        for (int l = 0; l < layout.ThetaCount; l++)
        {
            long largest = (long)Math.Min(rowBlock, m) * layout.LayerSize(l) * layout.LayerSize(l + 1);
            if (largest >= ParallelGemm<float>.MinMultiplyAdds)
            {
                return 1;
            }
        }

        int chunks = Math.Min(blocks, MaxChunks);
        return (long)chunks * layout.ParameterCount * elementBytes <= MaxPartialBytes ? chunks : 1;
    }

    /// <summary>
    /// One row block of <paramref name="count"/> examples from <paramref name="start"/>: the forward products,
    /// the cost terms, and (when <paramref name="delta"/> is not empty) the backward products and
    /// delta = deltaBeta delta + the block's D' [1 A] (a zero beta overwrites, the bias column included).
    /// With <paramref name="gemm"/> null the products run unsplit on this thread. Returns whether every z was finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    internal static bool Block<T>(
        BatchedWorkspace<T> ws,
        BlockBuffers<T> buffers,
        ParallelGemm<T>? gemm,
        WorkerTeam? team,
        int dop,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        Supervision<T> y,             // m labels or m x K targets
        int start,
        int count,
        Span<T> delta,                // ParameterCount, or empty for the cost alone
        T deltaBeta,
        bool packedThetas,            // BatchedWorkspace.PackThetas ran for this call
        out T cost)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool finite = Forward(ws, buffers, gemm, team, dop, parameters, features, y, start, count, !delta.IsEmpty, null, false, packedThetas, out cost);
        if (!delta.IsEmpty)
        {
            BackwardErrors(ws, buffers, gemm, team, dop, parameters, count);
            BackwardDeltas(ws, buffers, gemm, team, dop, parameters, features, start, count, delta, deltaBeta);
        }

        return finite;
    }

    /// <summary>
    /// The forward products of one row block and its cost terms; with <paramref name="wantErrors"/>, also
    /// D(L) = A(L) - Y into the block's buffers; with <paramref name="reductions"/>, the first product also runs them
    /// (the squared weights only when <paramref name="sumSquares"/>). Returns whether every z was finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static bool Forward<T>(
        BatchedWorkspace<T> ws,
        BlockBuffers<T> buffers,
        ParallelGemm<T>? gemm,
        WorkerTeam? team,
        int dop,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        Supervision<T> y,             // m labels or m x K targets
        int start,
        int count,
        bool wantErrors,
        InputReductions<T>? reductions,
        bool sumSquares,
        bool packedThetas,            // BatchedWorkspace.PackThetas ran for this call
        out T cost)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        bool finite = true;
        ReadOnlySpan<T> input = features.Slice(start * layout.InputSize, count * layout.InputSize);
        unsafe
        {
            // Pinned for the reductions, which keep pointers until the first product has run them.
            fixed (T* p = parameters)
            fixed (T* f = input)
            {
                reductions?.Set(layout, p, sumSquares, f, input.Length);

                // Forward: A(l+1) = g(Z(l+1)), Z(l+1) = bias' + A(l) Theta(l)[:,1:]'; Z(L) is kept for the cost.
                for (int l = 0; l < lastLayer; l++)
                {
                    int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
                    var a = new GemmOperand<T>(l == 0 ? input : buffers.Activations(l, count), count, s, s, transposed: false);
                    GemmOperand<T> thetaT = ws.ForwardTheta(parameters, l, packedThetas);
                    IParallelWork? side = l == 0 ? reductions : null;
                    if (l + 1 == lastLayer)
                    {
                        Span<T> z = buffers.OutputZ(count);
                        Product(gemm, team, dop, in a, in thetaT, T.Zero, ws.Bias(l), z, next, EpilogueArguments<T>.None, side);
                        finite &= AllFinite.Check<T>(z);
                        Sigmoid.Compute<T>(z, buffers.Activations(lastLayer, count));
                    }
                    else
                    {
                        finite &= Product(gemm, team, dop, in a, in thetaT, T.Zero, ws.Bias(l), buffers.Activations(l + 1, count), next, EpilogueArguments<T>.Sigmoid, side);
                    }
                }
            }
        }

        // Cost terms from Z(L), and D(L) = A(L) - Y.
        cost = OutputLayer.CostAndError(
            y, start, count, buffers.OutputZ(count), buffers.Activations(lastLayer, count), buffers.Targets(count),
            wantErrors ? buffers.Errors(lastLayer, count) : Span<T>.Empty);
        return finite;
    }

    /// <summary>
    /// The error terms of the row block whose <see cref="Forward"/> just ran:
    /// D(l) = (D(l+1) Theta(l)[:,1:]) .* A(l) .* (1 - A(l)), l = L-1 .. 2, from its D(L).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void BackwardErrors<T>(
        BatchedWorkspace<T> ws,
        BlockBuffers<T> buffers,
        ParallelGemm<T>? gemm,
        WorkerTeam? team,
        int dop,
        ReadOnlySpan<T> parameters,   // ParameterCount
        int count)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        for (int l = layout.LayerCount - 2; l >= 1; l--)
        {
            int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
            var d = new GemmOperand<T>(buffers.Errors(l + 1, count), count, next, next, transposed: false);
            var theta = new GemmOperand<T>(Theta(layout, parameters, l)[1..], next, s, s + 1, transposed: false);
            Product(gemm, team, dop, in d, in theta, T.Zero, ReadOnlySpan<T>.Empty, buffers.Errors(l, count), s,
                EpilogueArguments<T>.SigmoidGradient(buffers.Activations(l, count), s));
        }
    }

    /// <summary>
    /// The Delta products of the row block whose <see cref="BackwardErrors"/> just ran: into Delta
    /// (delta = deltaBeta delta + the block's D' [1 A]) or straight
    /// into the regularized gradient (<see cref="RegularizedGradientEpilogue{T}"/>) when <paramref name="target"/> has one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void BackwardDeltas<T>(
        BatchedWorkspace<T> ws,
        BlockBuffers<T> buffers,
        ParallelGemm<T>? gemm,
        WorkerTeam? team,
        int dop,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> features,     // m x s(1)
        int start,
        int count,
        Span<T> delta,                // ParameterCount (ignored when gradient has a target)
        T deltaBeta,
        scoped in GradientTarget<T> target = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int lastLayer = layout.LayerCount - 1;
        ReadOnlySpan<T> input = features.Slice(start * layout.InputSize, count * layout.InputSize);

        // Delta(l)[:,1:] = beta Delta(l)[:,1:] + D(l+1)' A(l); Delta(l)[:,0] = beta Delta(l)[:,0] + the column sums of D(l+1).
        // Or, into the gradient: D(l) = invM (prior(l) + D(l+1)' [1 A(l)]) + scale [0 Theta(l)[:,1:]].
        // The layers are independent (each writes its own Delta or gradient), so their order changes no bit. Last layer
        // first: the regularized epilogue of Theta(L-2)'s product then reads Theta(L-2) (4 MiB for a 1024-wide layer)
        // right after BackwardErrors' last product E = D Theta(L-2) read it. Measured on the 1024-1024-1024-10 step
        // (m = 256, harness, min over 5 rounds, builds alternated): two threads 0.991 and 0.981 (0.957-1.017, two
        // batches of 10 alternations), one thread 0.994 (6), double two threads 0.993 (4), 784-1024-10 0.991 (4).
        // With gemm, every layer's product blocks, then every layer's bias column, go into one team run (WorkSequence):
        // a thread that runs out of one layer's blocks goes on with the next layer's, and the bias columns (about 45 us
        // each for a 1024-wide layer) run beside the blocks, not between the runs on one thread. The output layer's product
        // goes last, after the hidden layers' (its rows are the K outputs: small blocks that even out the threads' ends).
        // Measured on the 1024-1024-1024-10 step (m = 256, float, harness, min over 5 rounds, builds alternated): two
        // threads 0.974 (0.922-1.052, 20 alternations; 0.983 and 0.998 in two batches of 12), one thread 0.999 (10); a
        // timeline put the Delta phase at 3.90 against 4.11 ms (medians of 8 processes, alternated), the end spreads of
        // its runs having been 50-350 us each.
        // Without gemm (the row-block-parallel mode: this thread's chunk), each product runs unsplit here, in that order.
        WorkSequence? sequence = gemm is null ? null : ws.DeltaSequence;
        unsafe
        {
            // Pinned until the sequence has run: the products and bias columns keep pointers (the buffers are pinned arrays).
            fixed (T* pinParameters = parameters)
            fixed (T* pinInput = input)
            fixed (T* pinDelta = delta)
            fixed (T* pinGradient = target.Gradient)
            fixed (T* pinPrior = target.Prior)
            {
                try
                {
                    for (int l = lastLayer - 2; l >= 0; l--)
                    {
                        DeltaLayer(ws, buffers, sequence, team, dop, parameters, input, count, l, delta, deltaBeta, in target);
                    }

                    DeltaLayer(ws, buffers, sequence, team, dop, parameters, input, count, lastLayer - 1, delta, deltaBeta, in target);

                    if (sequence is not null)
                    {
                        for (int l = lastLayer - 1; l >= 0; l--)
                        {
                            sequence.Add(ws.BiasColumn(l), 1);
                        }

                        sequence.Run(team, dop);
                    }
                }
                finally
                {
                    if (sequence is not null)
                    {
                        sequence.Clear();
                        for (int l = 0; l < lastLayer; l++)
                        {
                            ws.DeltaGemm(l).Release();
                            ws.BiasColumn(l).Release();
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Layer <paramref name="l"/>'s Delta product and bias column (see <see cref="BackwardDeltas"/>): run here when
    /// <paramref name="sequence"/> is null, else set up and added to it (the bias column is set up, for the caller to add).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private static void DeltaLayer<T>(
        BatchedWorkspace<T> ws,
        BlockBuffers<T> buffers,
        WorkSequence? sequence,
        WorkerTeam? team,
        int dop,
        ReadOnlySpan<T> parameters,   // ParameterCount
        ReadOnlySpan<T> input,        // count x s(1), the row block's features
        int count,
        int l,
        Span<T> delta,                // ParameterCount (ignored when gradient has a target)
        T deltaBeta,
        scoped in GradientTarget<T> target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = ws.Layout;
        int s = layout.LayerSize(l), next = layout.LayerSize(l + 1);
        int offset = layout.ThetaOffset(l), length = layout.ThetaLength(l);
        ReadOnlySpan<T> errors = buffers.Errors(l + 1, count);
        var dT = new GemmOperand<T>(errors, next, count, next, transposed: true);
        var a = new GemmOperand<T>(l == 0 ? input : buffers.Activations(l, count), count, s, s, transposed: false);
        if (target.HasTarget)
        {
            Span<T> gradientL = target.Gradient.Slice(offset, length);
            ReadOnlySpan<T> priorL = target.Prior.IsEmpty ? default : target.Prior.Slice(offset, length);
            var epilogue = EpilogueArguments<T>.RegularizedGradient(
                Theta(layout, parameters, l)[1..], priorL.IsEmpty ? default : priorL[1..], s + 1, target.InvM, target.Scale);
            if (sequence is null)
            {
                ParallelGemm<T>.Unsplit(in dT, in a, T.Zero, ReadOnlySpan<T>.Empty, gradientL[1..], s + 1, in epilogue);
                BiasColumnWork<T>.IntoGradient(errors, count, next, priorL, gradientL, s + 1, target.InvM, buffers.ColumnSums);
                return;
            }

            ParallelGemm<T> product = ws.DeltaGemm(l);
            sequence.Add(product, product.Prepare(team, dop, in dT, in a, T.Zero, ReadOnlySpan<T>.Empty, gradientL[1..], s + 1, in epilogue));
            ws.BiasColumn(l).SetGradient(errors, count, next, priorL, gradientL, s + 1, target.InvM);
            return;
        }

        Span<T> deltaL = delta.Slice(offset, length);
        if (sequence is null)
        {
            ParallelGemm<T>.Unsplit(in dT, in a, deltaBeta, ReadOnlySpan<T>.Empty, deltaL[1..], s + 1, EpilogueArguments<T>.None);
            BiasColumnWork<T>.IntoDelta(errors, count, next, deltaL, s + 1, overwrite: deltaBeta == T.Zero, buffers.ColumnSums);
            return;
        }

        ParallelGemm<T> deltaProduct = ws.DeltaGemm(l);
        sequence.Add(deltaProduct, deltaProduct.Prepare(team, dop, in dT, in a, deltaBeta, ReadOnlySpan<T>.Empty, deltaL[1..], s + 1, EpilogueArguments<T>.None));
        ws.BiasColumn(l).SetDelta(errors, count, next, deltaL, s + 1, overwrite: deltaBeta == T.Zero);
    }

    // A product split by ParallelGemm, or unsplit on this thread when gemm is null; a side item runs beside its blocks (or first).
    private static bool Product<T>(
        ParallelGemm<T>? gemm, WorkerTeam? team, int dop,
        scoped in GemmOperand<T> a, scoped in GemmOperand<T> b, T beta, ReadOnlySpan<T> bias, Span<T> c, int ldc,
        scoped in EpilogueArguments<T> epilogue, IParallelWork? side = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gemm is not null)
        {
            return gemm.Compute(team, dop, in a, in b, beta, bias, c, ldc, in epilogue, side);
        }

        side?.Execute(0);
        return ParallelGemm<T>.Unsplit(in a, in b, beta, bias, c, ldc, in epilogue);
    }

    private static ReadOnlySpan<T> Theta<T>(NetworkLayout layout, ReadOnlySpan<T> parameters, int index)
        => parameters.Slice(layout.ThetaOffset(index), layout.ThetaLength(index));

    /// <summary>Where the last row block's Delta products go when they write the gradient: D = invM (prior + D' [1 A]) + scale [0 Theta].</summary>
    private readonly ref struct GradientTarget<T>(Span<T> gradient, ReadOnlySpan<T> prior, T invM, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>False for <c>default</c> (no gradient), which means: the products go into Delta.</summary>
        public bool HasTarget => !Gradient.IsEmpty;

        public Span<T> Gradient { get; } = gradient;

        /// <summary>The earlier row blocks' Delta, or empty when this block is the only one.</summary>
        public ReadOnlySpan<T> Prior { get; } = prior;

        public T InvM { get; } = invM;

        public T Scale { get; } = scale;
    }
}
