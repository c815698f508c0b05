using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels;

namespace HpcBackprop.Engine;

/// <summary>
/// The reductions over the inputs that the batched engine's last row block needs before its Delta products: the sum of
/// the squared non-bias weights (<see cref="Regularization.SquaredWeights{T}(NetworkLayout, ReadOnlySpan{T})"/>, the same
/// sum in the same order) and the largest |feature| of the block (for <see cref="BackwardBound"/>). One work item that the
/// block's first forward product runs beside its blocks (<see cref="Kernels.Gemm.ParallelGemm{T}.Compute"/>), so on two
/// threads it no longer runs on the calling thread while the other waits; which thread runs it changes no bit.
/// </summary>
/// <remarks>
/// Measured in the two-thread 1024-1024-1024-10 step (float, Zen 5): the squares of the two 1024 x 1024 layers, summed
/// on the calling thread after each product, took 76-116 us each, and the block's largest feature 30-40 us, with the
/// worker idle. Inputs are kept as pointers between <see cref="Set"/> and the product (the caller pins them); one
/// instance per batched workspace, reused.
/// </remarks>
internal sealed unsafe class InputReductions<T> : IParallelWork
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private NetworkLayout? _layout;
    private T* _parameters;
    private T* _features;
    private int _featureCount;
    private bool _squares;

    /// <summary>The squared non-bias weights (zero when not asked for).</summary>
    public T Squares { get; private set; }

    /// <summary>The largest |feature| of the block (zero for no features; NaN if one is NaN).</summary>
    public T LargestFeature { get; private set; }

    /// <summary>
    /// What the next <see cref="Execute"/> reduces: the squared weights of <paramref name="parameters"/> when
    /// <paramref name="squares"/>, and the largest magnitude of <paramref name="features"/>. Both must stay pinned until then.
    /// </summary>
    public void Set(NetworkLayout layout, T* parameters, bool squares, T* features, int featureCount)
    {
        _layout = layout;
        _parameters = parameters;
        _squares = squares;
        _features = features;
        _featureCount = featureCount;
    }

    /// <summary>None: it runs as a product's side item, which that product counts (<see cref="Kernels.Gemm.ParallelGemm{T}.HomeItems"/>).</summary>
    public int HomeItems => 0;

    /// <summary>Runs both reductions (the item number is ignored: this is one item).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public void Execute(int item)
    {
        NetworkLayout layout = _layout!;
        Squares = _squares ? Regularization.SquaredWeights(layout, new ReadOnlySpan<T>(_parameters, layout.ParameterCount)) : T.Zero;
        LargestFeature = LargestMagnitude.Of(new ReadOnlySpan<T>(_features, _featureCount));
        _parameters = _features = null;
    }
}
