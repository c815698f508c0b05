using System.Numerics;

namespace HpcBackprop.Kernels.Simd;

/// <summary>
/// The few vector operations the kernels need, as static abstract members, so a kernel loop is
/// written once and instantiated per width: <see cref="Ops512{T}"/>, <see cref="Ops256{T}"/>,
/// <see cref="Ops128{T}"/> and <see cref="OpsScalar{T}"/> (a "vector" of one element). The JIT
/// specializes each generic instantiation over these structs, so the abstraction costs nothing.
/// </summary>
/// <typeparam name="TVec">The register type: Vector512&lt;T&gt;, Vector256&lt;T&gt;, Vector128&lt;T&gt; or T.</typeparam>
/// <typeparam name="T">float or double.</typeparam>
internal interface IVectorOps<TVec, T>
    where TVec : struct
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Elements per register.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Create(T value);

    /// <summary>Loads <see cref="Count"/> elements starting at <paramref name="source"/> (no alignment needed).</summary>
    static abstract TVec Load(ref readonly T source);

    /// <summary>Stores <see cref="Count"/> elements starting at <paramref name="destination"/> (no alignment needed).</summary>
    static abstract void Store(TVec value, ref T destination);

    static abstract TVec Add(TVec left, TVec right);

    static abstract TVec Subtract(TVec left, TVec right);

    static abstract TVec Multiply(TVec left, TVec right);

    static abstract TVec Divide(TVec left, TVec right);

    /// <summary>
    /// a * b + c, fused where the hardware has FMA and two roundings where it has not: a software-emulated
    /// fused multiply-add (x64 with DOTNET_EnableAVX2=0 turns FMA off too) made the 128-bit kernels ~60x slower
    /// in the ISA benchmarks.
    /// </summary>
    static abstract TVec MultiplyAdd(TVec a, TVec b, TVec c);

    static abstract TVec Max(TVec left, TVec right);

    static abstract TVec Abs(TVec value);

    static abstract TVec Negate(TVec value);

    /// <summary>e^x per element (<see cref="Exponential"/>); overflows to +infinity and underflows to 0 like the scalar function.</summary>
    static abstract TVec Exp(TVec value);

    /// <summary>value clamped to [min, max] with the hardware's min and max (a NaN lane's result is unspecified).</summary>
    static abstract TVec Clamp(TVec value, TVec min, TVec max);

    /// <summary>The nearest integer, ties to even.</summary>
    static abstract TVec RoundToNearest(TVec value);

    /// <summary>
    /// value x 2^n for integral n in the normal exponent range (-126 .. 127 in float, -1022 .. 1023 in double):
    /// 2^n is built from its bits, so n outside that range gives garbage.
    /// </summary>
    static abstract TVec ScaleByPowerOfTwo(TVec value, TVec n);

    /// <summary>Per element: <paramref name="ifTrue"/> where left == right, else <paramref name="ifFalse"/>.</summary>
    static abstract TVec SelectWhereEqual(TVec left, TVec right, TVec ifTrue, TVec ifFalse);

    /// <summary>The sum of all elements, added pairwise in a fixed order.</summary>
    static abstract T Sum(TVec value);
}
