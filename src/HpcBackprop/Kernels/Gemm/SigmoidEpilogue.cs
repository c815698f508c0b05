using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>C = g(sum) = 1 / (1 + e^-sum): a hidden layer's activations written straight from Z = A Theta'.</summary>
/// <remarks>The same formula as <see cref="Sigmoid"/>, so the fused and the separate forms agree.</remarks>
internal readonly struct SigmoidEpilogue<T> : IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
    {
        TVec one = TOps.Create(T.One);
        return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Negate(value))));
    }

    public void CheckShape(int rows, int columns)
    {
    }
}
