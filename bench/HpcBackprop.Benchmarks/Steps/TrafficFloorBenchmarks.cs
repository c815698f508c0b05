using System.Numerics;
using BenchmarkDotNet.Attributes;
using HpcBackprop.Benchmarks.Infrastructure;

namespace HpcBackprop.Benchmarks.Steps;

/// <summary>
/// The floor under a one-request gradient on this machine: the memory traffic it cannot avoid, with no
/// arithmetic to speak of. For 784-256-10, m = 1, Theta(1) (804 KB in float) does not fit in L2, and the
/// gradient must read the weights once for the forward pass and once more while it writes D (D needs the
/// error terms, which need the whole forward pass): here <see cref="StreamingFloor"/>'s plain read of the
/// weights, then a copy of the weights into the gradient buffer (the runtime's memmove). The engine's m = 1 row
/// over this one is how far it is from the memory system's limit.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
[SuiteJob]
[BenchmarkCategory(Categories.Steps)]
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class TrafficFloorStepBenchmarks<T> : StepBenchmarkBase<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override IEnumerable<Workload> Workloads => Workload.All.Where(w => w.Examples == 1);

    /// <summary>The weights read, then read again and written to the gradient buffer.</summary>
    [Benchmark]
    public uint TrafficFloor()
    {
        uint sum = StreamingFloor.Read<T>(Data.Parameters);
        StreamingFloor.Copy<T>(Data.Parameters, Data.Gradient);
        return sum;
    }

    /// <inheritdoc />
    public override WorkCount Work(string method)
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        double w = Workload.Weights;
        return new WorkCount(0, 3 * w * size, 2 * w * size, 1, size, "floor: W read twice, written once");
    }
}
