using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcBackprop.Kernels.Simd;

/// <summary>The 128-bit implementation of <see cref="IVectorOps{TVec, T}"/>.</summary>
internal readonly struct Ops128<T> : IVectorOps<Vector128<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector128<T>.Count;

    public static Vector128<T> Zero => Vector128<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Create(T value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Load(ref readonly T source) => Vector128.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Add(Vector128<T> left, Vector128<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Subtract(Vector128<T> left, Vector128<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Multiply(Vector128<T> left, Vector128<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Divide(Vector128<T> left, Vector128<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Max(Vector128<T> left, Vector128<T> right) => Vector128.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Abs(Vector128<T> value) => Vector128.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Negate(Vector128<T> value) => -value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp(Vector128<T> value) => Exponential.Compute<Ops128<T>, Vector128<T>, T>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Clamp(Vector128<T> value, Vector128<T> min, Vector128<T> max) => Vector128.ClampNative(value, min, max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> RoundToNearest(Vector128<T> value)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector128.Round(value.AsSingle()).As<float, T>();
        }

        return Vector128.Round(value.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ScaleByPowerOfTwo(Vector128<T> value, Vector128<T> n)
    {
        // n + 1.5 x 2^(mantissa bits) holds n, two's complement, in its low mantissa bits; adding the exponent
        // bias there and shifting the sum into the exponent field (the rest shifts out) gives 2^n's bits.
        if (typeof(T) == typeof(float))
        {
            Vector128<int> shifted = (n.AsSingle() + Vector128.Create(12582912f)).AsInt32();
            return (value.AsSingle() * ((shifted + Vector128.Create(127)) << 23).AsSingle()).As<float, T>();
        }

        Vector128<long> shiftedLong = (n.AsDouble() + Vector128.Create(6755399441055744.0)).AsInt64();
        return (value.AsDouble() * ((shiftedLong + Vector128.Create(1023L)) << 52).AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> SelectWhereEqual(Vector128<T> left, Vector128<T> right, Vector128<T> ifTrue, Vector128<T> ifFalse)
        => Vector128.ConditionalSelect(Vector128.Equals(left, right), ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector128<T> value) => Vector128.Sum(value);
}
