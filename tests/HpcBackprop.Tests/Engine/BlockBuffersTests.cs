using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HpcBackprop.Engine;

namespace HpcBackprop.Tests.Engine;

public class BlockBuffersTests
{
    /// <summary>
    /// A split call keeps pointers to the block's A(l) and D(l) while the team runs its Delta products and bias columns
    /// (BatchedEngine.BackwardDeltas), so those arrays must never move: new buffers, behind garbage that a compacting
    /// collection would slide them over, stay where they are through forced compacting collections. (Unpinned, they
    /// moved, and a property test saw garbage in the gradient in two of some sixteen runs of the suite.)
    /// </summary>
    [Fact]
    public void The_buffers_stay_put_when_the_collector_compacts_the_heap()
    {
        var layout = new NetworkLayout(4, 3, 2);
        _ = new byte[10_000];
        var buffers = new BlockBuffers<double>().Prepare(layout, 16);
        nint activations = Address(buffers.Activations(1, 16)), errors = Address(buffers.Errors(1, 16)), sums = Address(buffers.ColumnSums);
        for (int i = 0; i < 3; i++)
        {
            _ = new byte[1000];
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        Assert.Equal(activations, Address(buffers.Activations(1, 16)));
        Assert.Equal(errors, Address(buffers.Errors(1, 16)));
        Assert.Equal(sums, Address(buffers.ColumnSums));
    }

    private static nint Address(Span<double> span) => Unsafe.ByteOffset(ref Unsafe.NullRef<double>(), ref MemoryMarshal.GetReference(span));
}
