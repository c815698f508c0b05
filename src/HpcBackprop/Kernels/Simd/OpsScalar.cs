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
    public static T Exp(T value) => T.Exp(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Log(T value) => T.Log(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T SelectWhereEqual(T left, T right, T ifTrue, T ifFalse) => left == right ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(T value) => value;
}
