using System.Numerics;
using System.Runtime.CompilerServices;

namespace HpcBackprop.Kernels.Simd;

/// <summary>
/// The scalar implementation of <see cref="IVectorOps{TVec, T}"/>: a "vector" of one element, for
/// machines (or runs with DOTNET_EnableHWIntrinsic=0) without hardware vectors.
/// </summary>
internal readonly struct OpsScalar<T> : IVectorOps<T, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => 1;

    public static T Zero => T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Create(T value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load(ref readonly T source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(T value, ref T destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Add(T left, T right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Subtract(T left, T right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Multiply(T left, T right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Divide(T left, T right) => left / right;

    // Without hardware FMA a fused multiply-add is a slow software routine; the estimate fuses only where it is free.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MultiplyAdd(T a, T b, T c) => T.MultiplyAddEstimate(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Max(T left, T right) => T.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Abs(T value) => T.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Negate(T value) => -value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp(T value) => Exponential.Compute<OpsScalar<T>, T, T>(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Clamp(T value, T min, T max) => value < min ? min : value > max ? max : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T RoundToNearest(T value) => T.Round(value);

    // 2^n from its bits, as the vector widths do. (T.ScaleB is a call into CoreLib's precompiled code: in the GEMM's
    // sigmoid epilogue, whose last columns take this path, the calls made 400-25-10's forward product 1.6x slower.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ScaleByPowerOfTwo(T value, T n)
    {
        if (typeof(T) == typeof(float))
        {
            float power = BitConverter.Int32BitsToSingle(((int)float.CreateTruncating(n) + 127) << 23);
            return T.CreateTruncating(float.CreateTruncating(value) * power);
        }

        double powerDouble = BitConverter.Int64BitsToDouble(((long)double.CreateTruncating(n) + 1023) << 52);
        return T.CreateTruncating(double.CreateTruncating(value) * powerDouble);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SelectWhereEqual(T left, T right, T ifTrue, T ifFalse) => left == right ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(T value) => value;
}
