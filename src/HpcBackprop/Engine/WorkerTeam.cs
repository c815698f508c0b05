namespace HpcBackprop.Engine;

/// <summary>A unit of parallel work: items 0..count-1, each independent of which thread runs it.</summary>
internal interface IParallelWork
{
    void Execute(int item);
}

/// <summary>
/// Persistent worker threads that run the items of an <see cref="IParallelWork"/> together with the
/// calling thread. No Task, closure or delegate per call: the work object is preallocated by its
/// caller, and waking, counting and waiting use a semaphore, an interlocked counter and a reset event,
/// none of which allocates once warm. Items are handed out dynamically, so which thread runs an item
/// varies; results stay bitwise identical as long as each item owns its outputs (the batched engine
/// splits work by output blocks).
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    private static WorkerTeam? s_shared;
    private static readonly Lock SharedGate = new();

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _finishedGate = new(); // a monitor: Lock has no Wait/Pulse
    private readonly Lock _runGate = new();
    private IParallelWork? _work;
    private int _itemCount;
    private int _nextItem;
    private int _participants;      // workers still running the current call
    private Exception? _failure;
    private volatile bool _disposed;

    public WorkerTeam(int workerThreads)
    {
        _threads = new Thread[workerThreads];
        for (int i = 0; i < workerThreads; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"HpcBackprop worker {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>The process-wide team: one worker per core besides the caller's.</summary>
    public static WorkerTeam Shared
    {
        get
        {
            if (s_shared is null)
            {
                lock (SharedGate)
                {
                    s_shared ??= new WorkerTeam(Math.Max(0, Environment.ProcessorCount - 1));
                }
            }

            return s_shared;
        }
    }

    /// <summary>Worker threads (the caller is one more).</summary>
    public int WorkerCount => _threads.Length;

    /// <summary>
    /// Runs items 0..<paramref name="itemCount"/>-1 on the caller and up to
    /// <paramref name="maxDegreeOfParallelism"/> - 1 workers, and returns when all are done. If another
    /// caller holds the team, this call runs all items on its own thread: the same results, only slower.
    /// </summary>
    public void Run(IParallelWork work, int itemCount, int maxDegreeOfParallelism)
    {
        int helpers = Math.Min(Math.Min(maxDegreeOfParallelism - 1, _threads.Length), itemCount - 1);
        if (helpers <= 0 || !_runGate.TryEnter())
        {
            for (int i = 0; i < itemCount; i++)
            {
                work.Execute(i);
            }

            return;
        }

        try
        {
            _work = work;
            _itemCount = itemCount;
            _nextItem = 0;
            _failure = null;
            _participants = helpers;
            _wake.Release(helpers);
            try
            {
                Drain();
            }
            catch
            {
                Volatile.Write(ref _nextItem, int.MaxValue / 2); // stop handing out items
                throw;
            }
            finally
            {
                // Even when the caller's share throws, the workers still hold the work: wait for them.
                WaitForWorkers();
                _work = null;
            }

            if (_failure is not null)
            {
                throw new AggregateException("A worker thread failed.", _failure);
            }
        }
        finally
        {
            _runGate.Exit();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _wake.Release(_threads.Length);
    }

    // Workers usually finish within microseconds of the caller: spin briefly, then block on a monitor
    // (whose per-thread wait event is created once per thread, so a warm wait allocates nothing).
    private void WaitForWorkers()
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _participants) > 0 && !spinner.NextSpinWillYield)
        {
            spinner.SpinOnce();
        }

        lock (_finishedGate)
        {
            while (Volatile.Read(ref _participants) > 0)
            {
                Monitor.Wait(_finishedGate);
            }
        }
    }

    private void Drain()
    {
        IParallelWork work = _work!;
        int i;
        while ((i = Interlocked.Increment(ref _nextItem) - 1) < _itemCount)
        {
            work.Execute(i);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _wake.Wait();
            if (_disposed)
            {
                return;
            }

            try
            {
                Drain();
            }
#pragma warning disable CA1031 // A worker must report any failure to the caller rather than die.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _failure, e, null);
                Volatile.Write(ref _nextItem, int.MaxValue / 2); // stop handing out items
            }

            if (Interlocked.Decrement(ref _participants) == 0)
            {
                lock (_finishedGate)
                {
                    Monitor.PulseAll(_finishedGate);
                }
            }
        }
    }
}
