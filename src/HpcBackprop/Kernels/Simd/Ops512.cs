using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HpcBackprop.Kernels.Simd;

/// <summary>The 512-bit implementation of <see cref="IVectorOps{TVec, T}"/>.</summary>
internal readonly struct Ops512<T> : IVectorOps<Vector512<T>, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;

    public static Vector512<T> Zero => Vector512<T>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Create(T value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref readonly T source) => Vector512.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> left, Vector512<T> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Subtract(Vector512<T> left, Vector512<T> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Multiply(Vector512<T> left, Vector512<T> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Divide(Vector512<T> left, Vector512<T> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        return Vector512.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Max(Vector512<T> left, Vector512<T> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs(Vector512<T> value) => Vector512.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Negate(Vector512<T> value) => -value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> value) => Exponential.Compute<Ops512<T>, Vector512<T>, T>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Clamp(Vector512<T> value, Vector512<T> min, Vector512<T> max) => Vector512.ClampNative(value, min, max);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> RoundToNearest(Vector512<T> value)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector512.Round(value.AsSingle()).As<float, T>();
        }

        return Vector512.Round(value.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleByPowerOfTwo(Vector512<T> value, Vector512<T> n)
    {
        // n + 1.5 x 2^(mantissa bits) holds n, two's complement, in its low mantissa bits; adding the exponent
        // bias there and shifting the sum into the exponent field (the rest shifts out) gives 2^n's bits.
        if (typeof(T) == typeof(float))
        {
            Vector512<int> shifted = (n.AsSingle() + Vector512.Create(12582912f)).AsInt32();
            return (value.AsSingle() * ((shifted + Vector512.Create(127)) << 23).AsSingle()).As<float, T>();
        }

        Vector512<long> shiftedLong = (n.AsDouble() + Vector512.Create(6755399441055744.0)).AsInt64();
        return (value.AsDouble() * ((shiftedLong + Vector512.Create(1023L)) << 52).AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> SelectWhereEqual(Vector512<T> left, Vector512<T> right, Vector512<T> ifTrue, Vector512<T> ifFalse)
        => Vector512.ConditionalSelect(Vector512.Equals(left, right), ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> value) => Ops256<T>.Sum(value.GetLower() + value.GetUpper());
}
