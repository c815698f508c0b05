using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Engine;

/// <summary>A unit of parallel work: items 0..count-1, each independent of which thread runs it.</summary>
internal interface IParallelWork
{
    /// <summary>
    /// How many leading items (0 .. HomeItems - 1) are home items: <see cref="WorkerTeam"/> deals them out to the threads of a
    /// run in contiguous ranges, so that, on two threads, a thread runs the same blocks call after call (their data stays in
    /// its core's caches) instead of whichever comes next. The items after them are handed out in order to whichever thread
    /// is free first: the small ones that even out the threads' ends. 0: every item is handed out in order.
    /// </summary>
    int HomeItems { get; }

    void Execute(int item);
}

/// <summary>
/// Persistent worker threads that run the items of an <see cref="IParallelWork"/> together with the
/// calling thread. No Task, closure or delegate per call: the work object is preallocated by its
/// caller, and opening a call, joining it and waiting use interlocked counters and monitors, none of
/// which allocates once warm. Items are handed out dynamically, so which thread runs an item varies;
/// results stay bitwise identical as long as each item owns its outputs (the batched engine splits
/// work by output blocks).
/// <para>Each thread of a run (the caller first, then the workers in the order they join) takes, in this order: the items of
/// its own home range, front to back (<see cref="IParallelWork.HomeItems"/>, cut into as many contiguous ranges as the run
/// has threads); the items after the home items, in order, shared by all; the items left in the other threads' ranges, from
/// their backs (a thread that is late or slow). On two threads the caller's range is the first half of the home items and
/// the worker's the second, call after call (with more workers, which worker gets which range depends on the order they
/// join), so the block a thread wrote in one call is the block it writes and reads in
/// the next, and a product over the same column panels as the one before it (Z = A Theta' then its error product) finds
/// its blocks' operands in the core that wrote them. On this Zen 5 VM a core read 1 MiB that the other core had just
/// written at 36 GB/s, against 139 GB/s for its own (a probe outside the repo).</para>
/// </summary>
/// <remarks>
/// A call is open from when the caller publishes it (a new <c>_generation</c>) until the caller has
/// drained the items itself (<c>_closed</c>); workers join only while it is open, and the caller waits
/// only for the workers that joined. So a worker the host is slow to schedule holds the caller up only
/// if it is preempted after joining (or, briefly, while it checks in late): on this shared 2-vCPU VM a sleeping vCPU took up to milliseconds to wake, and the caller used to
/// wait for it after finishing every item alone. After a call, a worker spins for <see cref="SpinTicks"/>
/// before it sleeps, as OpenMP runtimes do, so that the next product of the same training step (the
/// serial work between two products is tens of microseconds to about a millisecond) finds it running;
/// but a call pulses at most as many sleepers as it admits, and a worker it had no room for sleeps at once,
/// so on a machine with many cores a 2-thread call does not keep the whole team spinning.
/// </remarks>
internal sealed class WorkerTeam : IDisposable
{
    /// <summary>
    /// How long a worker spins for the next call before it blocks, and the caller for the workers still on their last
    /// item: 1 ms. Neither yields while it spins: on a host with more runnable threads than cores, a spinning thread
    /// can hold a core for up to this long that another thread of the call is waiting for.
    /// </summary>
    public static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    // A range per 64 bytes, so that two threads taking from their own ranges do not write the same cache line.
    private const int RangeStride = 8;

    private static WorkerTeam? s_shared;
    private static readonly Lock SharedGate = new();

    private readonly Thread[] _threads;
    private readonly object _sleepGate = new();    // monitors: Lock has no Wait/Pulse
    private readonly object _finishedGate = new();
    private readonly Lock _runGate = new();
    private IParallelWork? _work;
    private int _itemCount;
    private int _nextItem;          // the next item after the home items, shared by all
    private readonly long[] _ranges; // home range of thread t of a run at [t * RangeStride]: first | end << 32
    private int _rangeCount;        // threads of the open call: the caller and the workers it admits
    private int _joined;            // workers that have joined the open call: the first is thread 1
    private int _generation;        // the latest call; workers join it while it is not _closed
    private int _closed;            // the latest call no longer open to workers
    private int _slots;             // workers the open call still admits (its degree of parallelism - 1)
    private int _active;            // workers that have entered a call and not yet left it
    private int _sleepers;          // workers blocked on _sleepGate
    private int _callerWaiting;     // 1 while the caller blocks on _finishedGate
    private Exception? _failure;
    private volatile bool _disposed;

    public WorkerTeam(int workerThreads)
    {
        _threads = new Thread[workerThreads];
        _ranges = new long[(workerThreads + 1) * RangeStride];
        for (int i = 0; i < workerThreads; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"HpcBackprop worker {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>The process-wide team: one worker per logical core beyond the caller's.</summary>
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

    public int WorkerCount => _threads.Length;

    /// <summary>
    /// Runs items 0..<paramref name="itemCount"/>-1 of <paramref name="work"/> on the calling thread and up to
    /// <paramref name="maxDegreeOfParallelism"/> - 1 workers, and returns when all have run. If the team is busy
    /// with another caller, the items run on the calling thread alone. A failing item's exception reaches the
    /// caller: as thrown when the item ran on the calling thread, wrapped in an <see cref="AggregateException"/>
    /// when it ran on a worker. Not reentrant: an item must not call Run on the same team (the engines pass no
    /// team to nested work).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
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
            int home = Math.Clamp(work.HomeItems, 0, itemCount), threads = helpers + 1;
            for (int t = 0; t < threads; t++)
            {
                _ranges[t * RangeStride] = Range((int)((long)t * home / threads), (int)((long)(t + 1) * home / threads));
            }

            _rangeCount = threads;
            _nextItem = home;
            _joined = 0;
            _failure = null;
            _slots = helpers;
            int call = _generation + 1;
            Interlocked.Exchange(ref _generation, call); // open; a full fence, so the fields above are seen first
            if (Volatile.Read(ref _sleepers) > 0)
            {
                // Wake as many sleepers as the call admits (Pulse wakes one; extra pulses find no one).
                lock (_sleepGate)
                {
                    for (int i = 0; i < helpers; i++)
                    {
                        Monitor.Pulse(_sleepGate);
                    }
                }
            }

            try
            {
                Drain(work, 0);
            }
            catch
            {
                StopHandingOut();
                throw;
            }
            finally
            {
                // Even when the caller's share throws, workers that joined still hold the work: wait for them.
                Interlocked.Exchange(ref _closed, call);
                WaitForActiveWorkers();
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
        // PulseAll, not one pulse per worker: every sleeper must see _disposed.
        lock (_sleepGate)
        {
            Monitor.PulseAll(_sleepGate);
        }
    }

    // Workers that joined finish within an item's time of the caller (tens to hundreds of microseconds): spin for up to
    // SpinTicks, then block. Blocked, the caller woke 40-60 us after the worker's last item (a timeline of the two-thread
    // 1024-1024-1024-10 step, which lost about 200 us per step that way when the caller spun only a few microseconds).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private void WaitForActiveWorkers()
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _active) > 0 && Stopwatch.GetTimestamp() <= deadline)
        {
            Thread.SpinWait(16);
        }

        if (Volatile.Read(ref _active) == 0)
        {
            return;
        }

        Interlocked.Exchange(ref _callerWaiting, 1);
        lock (_finishedGate)
        {
            while (Volatile.Read(ref _active) > 0)
            {
                Monitor.Wait(_finishedGate);
            }
        }

        Volatile.Write(ref _callerWaiting, 0);
    }

    // Runs items as thread `self` of the open call until none is left (the order is in the class's remarks).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private void Drain(IParallelWork work, int self)
    {
        int threads = _rangeCount;
        bool shared = true; // items after the home items may be left
        while (true)
        {
            int i = Take(self, fromBack: false);
            if (i < 0 && shared && (i = Interlocked.Increment(ref _nextItem) - 1) >= _itemCount)
            {
                shared = false;
                i = -1;
            }

            for (int t = 1; i < 0 && t < threads; t++)
            {
                i = Take((self + t) % threads, fromBack: true);
            }

            if (i < 0)
            {
                return;
            }

            work.Execute(i);
        }
    }

    // An item of home range t, its first or its last; -1 when the range is empty.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private int Take(int t, bool fromBack)
    {
        ref long range = ref _ranges[t * RangeStride];
        while (true)
        {
            long seen = Volatile.Read(ref range);
            int first = (int)seen, end = (int)(seen >>> 32);
            if (first >= end)
            {
                return -1;
            }

            long next = fromBack ? Range(first, end - 1) : Range(first + 1, end);
            if (Interlocked.CompareExchange(ref range, next, seen) == seen)
            {
                return fromBack ? end - 1 : first;
            }
        }
    }

    private static long Range(int first, int end) => (uint)first | ((long)end << 32);

    // After a failure: no thread takes another item.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private void StopHandingOut()
    {
        Volatile.Write(ref _nextItem, int.MaxValue / 2);
        for (int t = 0; t < _rangeCount; t++)
        {
            Interlocked.Exchange(ref _ranges[t * RangeStride], 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private void WorkerLoop()
    {
        int seen = 0;
        bool spin = false;
        while (true)
        {
            // A worker spins for the next call unless the last one it saw had no room for it: on a machine with
            // many cores, the workers a call does not admit go back to sleep instead of spinning through every
            // call. (One that arrived after the call closed is needed, only late: it spins.)
            int call = WaitForCall(seen, spin);
            if (call == seen)
            {
                return; // disposed
            }

            seen = call;
            spin = true;

            // Counted first, so a caller closing the call now waits for this worker; then joined only if the call
            // is still the open one and admits another worker. _work is read only after that.
            Interlocked.Increment(ref _active);
            bool open = Volatile.Read(ref _generation) == call && Volatile.Read(ref _closed) != call;
            if (open && Interlocked.Decrement(ref _slots) < 0)
            {
                spin = false; // no room: this call admits fewer workers than the team has
            }
            else if (open)
            {
                try
                {
                    Drain(_work!, Interlocked.Increment(ref _joined));
                }
#pragma warning disable CA1031 // A worker must report any failure to the caller rather than die.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                    StopHandingOut();
                }
            }

            if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _callerWaiting) != 0)
            {
                lock (_finishedGate)
                {
                    Monitor.PulseAll(_finishedGate);
                }
            }
        }
    }

    // Whether a worker that last saw call `seen` stops waiting: the team is disposed (call = seen) or a later
    // call is published (call = it).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private bool Arrived(int seen, out int call)
    {
        if (_disposed)
        {
            call = seen;
            return true;
        }

        call = Volatile.Read(ref _generation);
        return call != seen;
    }

    // The next call after `seen`, spinning for SpinTicks (when asked to) and then blocking; `seen` itself once disposed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    private int WaitForCall(int seen, bool spin)
    {
        long deadline = Stopwatch.GetTimestamp() + (spin ? SpinTicks : 0);
        while (true)
        {
            if (Arrived(seen, out int call))
            {
                return call;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                break;
            }

            Thread.SpinWait(16);
        }

        lock (_sleepGate)
        {
            // Counted before the generation is read again (a full fence): a caller that opens a call after this
            // sees the sleeper and pulses; one that opened before it is seen here.
            Interlocked.Increment(ref _sleepers);
            try
            {
                int call;
                while (!Arrived(seen, out call))
                {
                    Monitor.Wait(_sleepGate);
                }

                return call;
            }
            finally
            {
                Interlocked.Decrement(ref _sleepers);
            }
        }
    }
}
