using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// The batched engine's row-block-parallel mode (see <see cref="BatchedEngine"/>): item c is chunk c, the
/// row blocks [c B / C, (c + 1) B / C) of the B row blocks of m, run in order on one thread with unsplit
/// products into that chunk's own Delta, cost and finiteness flag. The chunks depend on m and the row block
/// only, and the caller adds them up in chunk order, so the result does not depend on which thread ran which
/// chunk, nor on how many threads there were.
/// </summary>
/// <remarks>
/// Spans cannot be kept between the caller and the workers, so the caller's inputs are pinned with
/// <c>fixed</c> for the whole call and kept as pointers. One instance per batched workspace, reused: no
/// allocation per call. Not for concurrent use of one instance (nor is its workspace).
/// </remarks>
internal sealed unsafe class RowBlockWork<T>(BatchedWorkspace<T> ws) : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T* _parameters;
    private T* _features;
    private int* _labels;
    private T* _targets;
    private int _m;
    private int _chunks;
    private bool _wantGradient;
    private bool _packedThetas;

    /// <summary>Runs the <paramref name="chunks"/> chunks on up to <paramref name="dop"/> threads of <paramref name="team"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Run(WorkerTeam? team, int dop, ReadOnlySpan<T> parameters, ReadOnlySpan<T> features, Supervision<T> y, int chunks, bool wantGradient, bool packedThetas)
    {
        // Sized here, on the calling thread, before any worker writes into them.
        ws.Partials(wantGradient ? chunks : 0);
        ws.BlockCosts(chunks);
        ws.BlockFinite(chunks);
        fixed (T* p = parameters)
        fixed (T* f = features)
        fixed (int* labels = y.Labels)
        fixed (T* targets = y.Targets)
        {
            _parameters = p;
            _features = f;
            _labels = y.HasLabels ? labels : null;
            _targets = y.HasLabels ? null : targets;
            _m = y.Count;
            _chunks = chunks;
            _wantGradient = wantGradient;
            _packedThetas = packedThetas;
            try
            {
                if (team is null || dop <= 1)
                {
                    for (int c = 0; c < chunks; c++)
                    {
                        Execute(c);
                    }
                }
                else
                {
                    team.Run(this, chunks, dop);
                }
            }
            finally
            {
                _parameters = _features = _targets = null;
                _labels = null;
            }
        }
    }

    /// <summary>Handed out in order.</summary>
    public int HomeItems => 0;

    /// <summary>Chunk <paramref name="item"/>: its row blocks in order, the first overwriting the chunk's Delta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Execute(int item)
    {
        NetworkLayout layout = ws.Layout;
        int rowBlock = ws.RowBlock;
        int blocks = (_m + rowBlock - 1) / rowBlock;
        int first = (int)((long)item * blocks / _chunks), end = (int)((long)(item + 1) * blocks / _chunks);
        int w = layout.ParameterCount;
        var parameters = new ReadOnlySpan<T>(_parameters, w);
        var features = new ReadOnlySpan<T>(_features, _m * layout.InputSize);
        Supervision<T> y = _labels is not null
            ? new Supervision<T>(new ReadOnlySpan<int>(_labels, _m), layout.OutputSize)
            : new Supervision<T>(new ReadOnlySpan<T>(_targets, _m * layout.OutputSize), layout.OutputSize);
        Span<T> delta = _wantGradient ? ws.Partials(_chunks).Slice(item * w, w) : Span<T>.Empty;
        BlockBuffers<T> buffers = BlockBuffers<T>.ForCurrentThread.Prepare(layout, rowBlock);
        double cost = 0; // in double, as BatchedEngine sums the blocks
        bool finite = true;
        for (int b = first; b < end; b++)
        {
            int start = b * rowBlock, count = Math.Min(rowBlock, _m - start);
            finite &= BatchedEngine.Block(ws, buffers, gemm: null, team: null, dop: 1, parameters, features, y, start, count,
                delta, b == first ? T.Zero : T.One, _packedThetas, out T blockCost);
            cost += double.CreateTruncating(blockCost);
        }

        ws.BlockCosts(_chunks)[item] = cost;
        ws.BlockFinite(_chunks)[item] = finite;
    }
}
