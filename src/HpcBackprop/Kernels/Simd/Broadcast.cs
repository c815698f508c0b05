using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Kernels.Simd;

/// <summary>A constant in every lane, written as a double literal in the polynomial kernels (exp, log(1 + t)).</summary>
internal static class Broadcast
{
    /// <summary>value rounded to T, in every lane: the JIT folds it to a constant where value is a literal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Of<TOps, TVec, T>(double value)
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
        => TOps.Create(T.CreateTruncating(value));
}
