using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

public class WorkerTeamTests
{
    // Twice a worker's spin: long enough that the workers have gone to sleep.
    private static readonly int SleepPastSpinMs = 2 * (int)Math.Max(1, WorkerTeam.SpinTicks * 1000 / System.Diagnostics.Stopwatch.Frequency);

    private sealed class CountingWork(int count) : IParallelWork
    {
        public int[] Hits { get; } = new int[count];

        public int? FailAt { get; init; }

        /// <summary>Busy iterations per item, so that items are still running when the caller closes the call.</summary>
        public int Spin { get; init; }

        public int Home { get; init; }

        public int HomeItems => Home;

        public void Execute(int item)
        {
            Thread.SpinWait(Spin);
            if (item == FailAt)
            {
                throw new InvalidOperationException($"item {item}");
            }

            Interlocked.Increment(ref Hits[item]);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 2)]
    [InlineData(100, 4)]
    [InlineData(3, 16)]
    public void Every_item_runs_exactly_once(int items, int parallelism)
    {
        using var team = new WorkerTeam(3);
        for (int rep = 0; rep < 50; rep++)
        {
            // No home items, every item, some, and more than there are (taken as every item).
            foreach (int home in new[] { 0, items, items / 2, (items / 2) + 1, items + 5 })
            {
                var work = new CountingWork(items) { Home = home };
                team.Run(work, items, parallelism);
                Assert.All(work.Hits, h => Assert.Equal(1, h));
            }
        }
    }

    /// <summary>
    /// Calls back to back (workers still spinning from the last call, or joining it late), calls after the
    /// workers went to sleep, and items slow enough that workers are inside a call when it closes: each call
    /// runs each of its items exactly once, and a call returns only when its items are done.
    /// </summary>
    [Fact]
    public void Calls_back_to_back_and_after_the_workers_slept_run_every_item_once()
    {
        using var team = new WorkerTeam(2);
        for (int rep = 0; rep < 3000; rep++)
        {
            int items = 1 + (rep % 9);
            var work = new CountingWork(items) { Home = rep % 11 };
            team.Run(work, items, 1 + (rep % 4));
            Assert.All(work.Hits, h => Assert.Equal(1, h));
            if (rep % 500 == 499)
            {
                Thread.Sleep(SleepPastSpinMs); // the workers block
            }
        }

        for (int rep = 0; rep < 20; rep++)
        {
            var slow = new CountingWork(6) { Spin = 20_000, Home = rep % 7 };
            team.Run(slow, 6, 3);
            Assert.All(slow.Hits, h => Assert.Equal(1, h));
        }
    }

    /// <summary>
    /// A worker really takes part, in calls back to back and in calls after it went to sleep: item 0 waits
    /// (up to 10 s) until item 1 has run, which only another thread can do while item 0's thread waits.
    /// </summary>
    [Fact]
    public void A_worker_joins_calls_back_to_back_and_after_it_slept()
    {
        using var team = new WorkerTeam(1);
        for (int rep = 0; rep < 30; rep++)
        {
            var work = new RendezvousWork();
            team.Run(work, 2, 2);
            Assert.True(work.Threads[0] != work.Threads[1], $"call {rep}: both items ran on thread {work.Threads[0]}");
            if (rep % 3 == 2)
            {
                Thread.Sleep(SleepPastSpinMs); // the worker blocks
            }
        }
    }

    private sealed class RendezvousWork : IParallelWork
    {
        private int _secondDone;

        public int[] Threads { get; } = new int[2];

        public int HomeItems => 0;

        public void Execute(int item)
        {
            Threads[item] = Environment.CurrentManagedThreadId;
            if (item == 0)
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref _secondDone) == 1, TimeSpan.FromSeconds(10));
            }
            else
            {
                Volatile.Write(ref _secondDone, 1);
            }
        }
    }

    /// <summary>
    /// Two threads, 8 items of which 6 are home items: the caller's range is 0..2, the worker's 3..5, and 6, 7 are shared.
    /// Item 0 waits (up to 10 s) until the worker has started an item, which must be 3, the front of its range; item 3 waits
    /// until 4..7 have run, which only the caller can do meanwhile. So the caller runs its range, then the shared items in
    /// order, then what is left of the worker's range from the back: 0, 1, 2, 6, 7, 5, 4.
    /// </summary>
    [Fact]
    public void Threads_take_their_home_range_then_the_shared_items_then_steal_from_the_back()
    {
        using var team = new WorkerTeam(1);
        for (int rep = 0; rep < 20; rep++)
        {
            var work = new HomeRangeWork();
            team.Run(work, 8, 2);
            int caller = Environment.CurrentManagedThreadId;
            Assert.Equal([0, 1, 2, 6, 7, 5, 4], work.Order.Where(e => e.Thread == caller).Select(e => e.Item));
            Assert.Equal([3], work.Order.Where(e => e.Thread != caller).Select(e => e.Item));
            if (rep % 5 == 4)
            {
                Thread.Sleep(SleepPastSpinMs); // the worker blocks
            }
        }
    }

    private sealed class HomeRangeWork : IParallelWork
    {
        private int _done;

        public List<(int Item, int Thread)> Order { get; } = [];

        public int HomeItems => 6;

        public void Execute(int item)
        {
            lock (Order)
            {
                Order.Add((item, Environment.CurrentManagedThreadId));
            }

            if (item == 0)
            {
                SpinWait.SpinUntil(() => { lock (Order) { return Order.Count > 1; } }, TimeSpan.FromSeconds(10));
            }
            else if (item == 3)
            {
                SpinWait.SpinUntil(() => Volatile.Read(ref _done) == 4, TimeSpan.FromSeconds(10));
            }
            else if (item >= 4)
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    [Fact]
    public void A_failing_item_surfaces_to_the_caller_and_the_team_stays_usable()
    {
        using var team = new WorkerTeam(2);
        for (int failAt = 0; failAt < 40; failAt += 3)
        {
            var failing = new CountingWork(40) { FailAt = failAt, Home = failAt % 2 == 0 ? 0 : 30 };
            Exception e = Assert.ThrowsAny<Exception>(() => team.Run(failing, 40, 3));
            Assert.Contains($"item {failAt}", e is AggregateException a ? a.InnerException!.Message : e.Message, StringComparison.Ordinal);
        }

        var work = new CountingWork(40);
        team.Run(work, 40, 3);
        Assert.All(work.Hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void Concurrent_callers_all_complete()
    {
        using var team = new WorkerTeam(2);
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int rep = 0; rep < 200; rep++)
            {
                var work = new CountingWork(9);
                team.Run(work, 9, 3);
                Assert.All(work.Hits, h => Assert.Equal(1, h));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    [Fact]
    public void A_warm_run_allocates_nothing()
    {
        using var team = new WorkerTeam(1);
        var work = new CountingWork(8);
        AllocationProbe.AssertWarmCallsAllocateNothing(() => team.Run(work, 8, 2), warmCalls: 100, callsPerWindow: 100);
        var homed = new CountingWork(8) { Home = 6 };
        AllocationProbe.AssertWarmCallsAllocateNothing(() => team.Run(homed, 8, 2), warmCalls: 100, callsPerWindow: 100);
    }
}
