using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

public class WorkSequenceTests
{
    private sealed class RecordingWork(int count, int home = 0) : IParallelWork
    {
        public int[] Hits { get; } = new int[count];

        public int HomeItems => home;

        public List<int> Order { get; } = [];

        public void Execute(int item)
        {
            Interlocked.Increment(ref Hits[item]);
            lock (Order)
            {
                Order.Add(item);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Every_item_of_every_work_runs_exactly_once(int parallelism)
    {
        using var team = new WorkerTeam(3);
        var sequence = new WorkSequence(5);
        for (int rep = 0; rep < 50; rep++)
        {
            RecordingWork[] works = [new(1 + (rep % 5), rep % 4), new(0), new(7, 7), new(1 + (rep % 3)), new(5, 9)];
            sequence.Clear();
            foreach (RecordingWork w in works)
            {
                sequence.Add(w, w.Hits.Length);
            }

            Assert.Equal(works.Sum(w => w.Hits.Length), sequence.Items);
            sequence.Run(team, parallelism);
            Assert.All(works, w => Assert.All(w.Hits, h => Assert.Equal(1, h)));
        }
    }

    [Fact]
    public void Without_a_team_the_items_run_in_the_order_they_were_added()
    {
        var first = new RecordingWork(3);
        var second = new RecordingWork(2);
        var sequence = new WorkSequence(2);
        sequence.Add(first, 3);
        sequence.Add(second, 2);
        sequence.Run(team: null, 1);
        Assert.Equal([0, 1, 2], first.Order);
        Assert.Equal([0, 1], second.Order);

        // Item 3 of the sequence is item 0 of the second work.
        sequence.Execute(3);
        Assert.Equal(2, second.Hits[0]);
        Assert.Equal(1, first.Hits[2]);
    }

    /// <summary>
    /// The home items of every work come first, in the order the works were added, then their other items in the same
    /// order: so the sequence's home items are its works' home items (a count above a work's items counts as all of them).
    /// </summary>
    [Fact]
    public void Home_items_of_every_work_come_first_then_the_others()
    {
        var first = new RecordingWork(4, home: 2);
        var second = new RecordingWork(3, home: 0);
        var third = new RecordingWork(2, home: 5);
        var fourth = new RecordingWork(3, home: 1);
        var sequence = new WorkSequence(4);
        var log = new List<(RecordingWork Work, int Item)>();
        foreach (RecordingWork w in new[] { first, second, third, fourth })
        {
            sequence.Add(w, w.Hits.Length);
        }

        Assert.Equal(2 + 0 + 2 + 1, sequence.HomeItems);
        Assert.Equal(12, sequence.Items);
        for (int i = 0; i < sequence.Items; i++)
        {
            int[] before = [.. first.Hits, .. second.Hits, .. third.Hits, .. fourth.Hits];
            sequence.Execute(i);
            int[] after = [.. first.Hits, .. second.Hits, .. third.Hits, .. fourth.Hits];
            log.Add(Changed(before, after));
        }

        (RecordingWork, int)[] expected =
        [
            (first, 0), (first, 1), (third, 0), (third, 1), (fourth, 0),
            (first, 2), (first, 3), (second, 0), (second, 1), (second, 2), (fourth, 1), (fourth, 2),
        ];
        Assert.Equal(expected, log);

        // The one entry of the four works' hits that a call changed, as (work, item).
        (RecordingWork, int) Changed(int[] before, int[] after)
        {
            int at = Enumerable.Range(0, after.Length).Single(j => after[j] != before[j]);
            RecordingWork[] works = [first, second, third, fourth];
            foreach (RecordingWork w in works)
            {
                if (at < w.Hits.Length)
                {
                    return (w, at);
                }

                at -= w.Hits.Length;
            }

            throw new InvalidOperationException("no work changed");
        }
    }

    [Fact]
    public void A_full_sequence_and_a_negative_count_throw_and_clear_empties_it()
    {
        var sequence = new WorkSequence(1);
        var work = new RecordingWork(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => sequence.Add(work, -1));
        sequence.Add(work, 2);
        Assert.Throws<InvalidOperationException>(() => sequence.Add(work, 1));
        sequence.Add(work, 0); // no items: nothing added, so no room needed
        sequence.Clear();
        Assert.Equal(0, sequence.Items);
        sequence.Run(team: null, 1);
        Assert.All(work.Hits, h => Assert.Equal(0, h));
    }
}
