using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcBackprop.Kernels.Simd;

/// <summary>The 256-bit implementation of <see cref="IVectorOps{TVec, T}"/>.</summary>
internal readonly struct Ops256<T> : IVectorOps<Vector256<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector256<T>.Count;

    public static Vector256<T> Zero => Vector256<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Create(T value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load(ref readonly T source) => Vector256.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Add(Vector256<T> left, Vector256<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Subtract(Vector256<T> left, Vector256<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Multiply(Vector256<T> left, Vector256<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Divide(Vector256<T> left, Vector256<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Max(Vector256<T> left, Vector256<T> right) => Vector256.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Abs(Vector256<T> value) => Vector256.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Negate(Vector256<T> value) => -value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> value) => Exponential.Compute<Ops256<T>, Vector256<T>, T>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Clamp(Vector256<T> value, Vector256<T> min, Vector256<T> max) => Vector256.ClampNative(value, min, max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> RoundToNearest(Vector256<T> value)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector256.Round(value.AsSingle()).As<float, T>();
        }

        return Vector256.Round(value.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleByPowerOfTwo(Vector256<T> value, Vector256<T> n)
    {
        // n + 1.5 x 2^(mantissa bits) holds n, two's complement, in its low mantissa bits; adding the exponent
        // bias there and shifting the sum into the exponent field (the rest shifts out) gives 2^n's bits.
        if (typeof(T) == typeof(float))
        {
            Vector256<int> shifted = (n.AsSingle() + Vector256.Create(12582912f)).AsInt32();
            return (value.AsSingle() * ((shifted + Vector256.Create(127)) << 23).AsSingle()).As<float, T>();
        }

        Vector256<long> shiftedLong = (n.AsDouble() + Vector256.Create(6755399441055744.0)).AsInt64();
        return (value.AsDouble() * ((shiftedLong + Vector256.Create(1023L)) << 52).AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> SelectWhereEqual(Vector256<T> left, Vector256<T> right, Vector256<T> ifTrue, Vector256<T> ifFalse)
        => Vector256.ConditionalSelect(Vector256.Equals(left, right), ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector256<T> value) => Ops128<T>.Sum(value.GetLower() + value.GetUpper());
}
