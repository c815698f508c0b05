using System.Runtime.Intrinsics;

namespace HpcBackprop.Kernels.Simd;

/// <summary>Which vector width the kernels run at.</summary>
public enum SimdWidth
{
    /// <summary>One element at a time.</summary>
    Scalar = 1,

    /// <summary>Vector128 (SSE, or AdvSimd on ARM64).</summary>
    Vector128 = 128,

    /// <summary>Vector256 (AVX2 + FMA).</summary>
    Vector256 = 256,

    /// <summary>Vector512 (AVX-512).</summary>
    Vector512 = 512,
}

/// <summary>
/// The width every kernel dispatches on, chosen once per process: the widest one whose
/// <c>IsHardwareAccelerated</c> is true, unless the environment variable <c>HPCBACKPROP_SIMD</c>
/// names one (Scalar, Vector128, Vector256, Vector512). Forcing a width wider than the hardware runs
/// that path in the runtime's software emulation: slow, but it lets the tests exercise every path's
/// code on any machine.
/// </summary>
public static class SimdPath
{
    /// <summary>The environment variable that forces a width.</summary>
    public const string EnvironmentVariable = "HPCBACKPROP_SIMD";

    /// <summary>The width the kernels run at in this process.</summary>
    public static SimdWidth Active { get; } = Choose();

    /// <summary>The widest width the hardware accelerates, ignoring <see cref="EnvironmentVariable"/>.</summary>
    public static SimdWidth Hardware =>
        Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Vector256
        : Vector128.IsHardwareAccelerated ? SimdWidth.Vector128
        : SimdWidth.Scalar;

    private static SimdWidth Choose()
    {
        string? forced = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(forced))
        {
            return Hardware;
        }

        return Enum.TryParse(forced.Trim(), ignoreCase: true, out SimdWidth width) && Enum.IsDefined(width)
            ? width
            : throw new InvalidOperationException(
                $"{EnvironmentVariable}='{forced}' is not one of Scalar, Vector128, Vector256, Vector512.");
    }
}
