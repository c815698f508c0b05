using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// The items of several <see cref="IParallelWork"/> as one list, in the order they were added, for one team run: a thread
/// that runs out of one product's blocks goes on with the next product's instead of waiting at the end of each product
/// for the other threads to finish theirs. The works must not depend on each other, and each item must own its outputs,
/// as in any team run; which thread runs an item then changes no bit. Preallocated by its owner (a batched workspace):
/// adding and running allocate nothing.
/// </summary>
internal sealed class WorkSequence : IParallelWork
{
    private readonly IParallelWork?[] _works;
    private readonly int[] _ends;   // _ends[i]: the items of works 0 .. i
    private int _count;

    /// <param name="capacity">The most works one sequence holds.</param>
    public WorkSequence(int capacity)
    {
        _works = new IParallelWork?[capacity];
        _ends = new int[capacity];
    }

    /// <summary>The items of every work added since <see cref="Clear"/>.</summary>
    public int Items => _count == 0 ? 0 : _ends[_count - 1];

    /// <summary>Forgets the works added.</summary>
    public void Clear()
    {
        Array.Clear(_works, 0, _count);
        _count = 0;
    }

    /// <summary>Appends items 0 .. <paramref name="items"/> - 1 of <paramref name="work"/> (none when items is 0).</summary>
    public void Add(IParallelWork work, int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        if (items == 0)
        {
            return;
        }

        if (_count == _works.Length)
        {
            throw new InvalidOperationException($"A sequence holds at most {_works.Length} works.");
        }

        _ends[_count] = Items + items;
        _works[_count++] = work;
    }

    /// <summary>Runs every item on up to <paramref name="maxDegreeOfParallelism"/> threads of <paramref name="team"/>, or in order on this thread without one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Run(WorkerTeam? team, int maxDegreeOfParallelism)
    {
        if (team is null)
        {
            for (int i = 0; i < Items; i++)
            {
                Execute(i);
            }

            return;
        }

        team.Run(this, Items, maxDegreeOfParallelism);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Execute(int item)
    {
        int w = 0;
        while (item >= _ends[w])
        {
            w++;
        }

        _works[w]!.Execute(w == 0 ? item : item - _ends[w - 1]);
    }
}
