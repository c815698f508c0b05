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
            var work = new CountingWork(items);
            team.Run(work, items, parallelism);
            Assert.All(work.Hits, h => Assert.Equal(1, h));
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
            var work = new CountingWork(items);
            team.Run(work, items, 1 + (rep % 4));
            Assert.All(work.Hits, h => Assert.Equal(1, h));
            if (rep % 500 == 499)
            {
                Thread.Sleep(SleepPastSpinMs); // the workers block
            }
        }

        for (int rep = 0; rep < 20; rep++)
        {
            var slow = new CountingWork(6) { Spin = 20_000 };
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

    [Fact]
    public void A_failing_item_surfaces_to_the_caller_and_the_team_stays_usable()
    {
        using var team = new WorkerTeam(2);
        for (int failAt = 0; failAt < 40; failAt += 3)
        {
            var failing = new CountingWork(40) { FailAt = failAt };
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
    }
}
