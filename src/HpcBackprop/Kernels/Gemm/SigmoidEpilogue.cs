using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// C = g(z) = 1 / (1 + e^-z) from the sum z: a hidden layer's activations written straight from
/// Z = A Theta', which is then never stored. Because it is not stored, the epilogue also records
/// whether every z was finite (g would saturate an infinite z to 0 or 1 and hide it), as the
/// engines' contract requires.
/// </summary>
/// <remarks>The same function as <see cref="Sigmoid"/> (<see cref="Sigmoid.Of"/>), so the fused and the separate forms agree.</remarks>
internal readonly ref struct SigmoidEpilogue<T> : IGemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ref bool _allFinite;

    /// <param name="allFinite">Set to false when some z is NaN or infinite; never set to true.</param>
    public SigmoidEpilogue(ref bool allFinite) => _allFinite = ref allFinite;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TVec Apply<TOps, TVec>(TVec value, int row, int column)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
    {
        // z - z is 0 for finite z and NaN otherwise, and a NaN survives the sum.
        if (TOps.Sum(TOps.Subtract(value, value)) != T.Zero)
        {
            _allFinite = false;
        }

        return Sigmoid.Of<TOps, TVec, T>(value);
    }

    public void CheckShape(int rows, int columns)
    {
    }

    public void PrefetchTile(int row, int column, int rows, int columns)
    {
    }
}
