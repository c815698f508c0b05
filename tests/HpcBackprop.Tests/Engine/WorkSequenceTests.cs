using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

public class WorkSequenceTests
{
    private sealed class RecordingWork(int count) : IParallelWork
    {
        public int[] Hits { get; } = new int[count];

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
        var sequence = new WorkSequence(4);
        for (int rep = 0; rep < 50; rep++)
        {
            RecordingWork[] works = [new(1 + (rep % 5)), new(0), new(7), new(1 + (rep % 3))];
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
