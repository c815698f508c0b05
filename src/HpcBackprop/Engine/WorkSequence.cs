using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>
/// The items of several <see cref="IParallelWork"/> as one list for one team run: a thread that runs out of one product's
/// blocks goes on with the next product's instead of waiting at the end of each product for the other threads to finish
/// theirs. The list holds the home items of every work (<see cref="IParallelWork.HomeItems"/>), in the order the works were
/// added, and then the other items of every work, in the same order; so the sequence's home items are its works' home
/// items, and the small items that even out the threads' ends come last. The works must not depend on each other, and
/// each item must own its outputs, as in any team run; which thread runs an item then changes no bit. Preallocated by its
/// owner (a batched workspace): adding and running allocate nothing.
/// </summary>
internal sealed class WorkSequence : IParallelWork
{
    private readonly IParallelWork?[] _works;
    private readonly int[] _homes;     // _homes[i]: the home items of works 0 .. i
    private readonly int[] _others;    // _others[i]: the other items of works 0 .. i
    private int _count;

    /// <param name="capacity">The most works one sequence holds.</param>
    public WorkSequence(int capacity)
    {
        _works = new IParallelWork?[capacity];
        _homes = new int[capacity];
        _others = new int[capacity];
    }

    /// <summary>The items of every work added since <see cref="Clear"/>.</summary>
    public int Items => HomeItems + (_count == 0 ? 0 : _others[_count - 1]);

    /// <summary>The home items of every work added since <see cref="Clear"/>: items 0 .. HomeItems - 1 of the sequence.</summary>
    public int HomeItems => _count == 0 ? 0 : _homes[_count - 1];

    /// <summary>Forgets the works added.</summary>
    public void Clear()
    {
        Array.Clear(_works, 0, _count);
        _count = 0;
    }

    /// <summary>
    /// Appends items 0 .. <paramref name="items"/> - 1 of <paramref name="work"/> (none when items is 0): its first
    /// <see cref="IParallelWork.HomeItems"/> (as it reports them now, once prepared) after the home items added before, the
    /// rest after the other items added before.
    /// </summary>
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

        int home = Math.Clamp(work.HomeItems, 0, items);
        _homes[_count] = HomeItems + home;
        _others[_count] = (_count == 0 ? 0 : _others[_count - 1]) + items - home;
        _works[_count++] = work;
    }

    /// <summary>Runs every item on up to <paramref name="maxDegreeOfParallelism"/> threads of <paramref name="team"/>, or in the sequence's order (home items first) on this thread without one.</summary>
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
        int w = 0, homes = HomeItems;
        if (item < homes)
        {
            // Home item `item`: work w's home item item - (the home items of the works before it).
            while (item >= _homes[w])
            {
                w++;
            }

            _works[w]!.Execute(w == 0 ? item : item - _homes[w - 1]);
            return;
        }

        // Other item `rest`: work w's item (its home items) + rest - (the other items of the works before it).
        int rest = item - homes;
        while (rest >= _others[w])
        {
            w++;
        }

        int own = _homes[w] - (w == 0 ? 0 : _homes[w - 1]);
        _works[w]!.Execute(own + (w == 0 ? rest : rest - _others[w - 1]));
    }
}
