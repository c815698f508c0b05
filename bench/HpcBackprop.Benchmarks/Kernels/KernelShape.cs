using System.Numerics;

namespace HpcBackprop.Benchmarks.Kernels;

/// <summary>Where a kernel's operands live: sized so the matrix (or vectors) fit the named level.</summary>
public enum Residence
{
    /// <summary>About 16 KiB: inside any L1d.</summary>
    L1,

    /// <summary>About 256 KiB: beyond L1, inside a 512 KiB (or larger) L2.</summary>
    L2,

    /// <summary>About 64 MiB: beyond a 32 MiB L3, streamed from memory.</summary>
    Memory,
}

/// <summary>The operand sizes of the kernel benchmarks, per element type.</summary>
internal static class KernelShape
{
    /// <summary>
    /// A rows x (rows + 1) matrix (the +1 is the bias column) of about 16 KiB, 256 KiB or 64 MiB:
    /// float 64, 256, 4096 rows; double 48, 176, 2896 rows.
    /// </summary>
    public static int MatrixRows<T>(Residence residence) => (residence, typeof(T) == typeof(float)) switch
    {
        (Residence.L1, true) => 64,
        (Residence.L2, true) => 256,
        (Residence.Memory, true) => 4096,
        (Residence.L1, false) => 48,
        (Residence.L2, false) => 176,
        _ => 2896,
    };

    /// <summary>The length of a vector whose input and output together take about 16 KiB, 256 KiB or 128 MiB.</summary>
    public static int VectorLength<T>(Residence residence)
        where T : unmanaged
    {
        int bytes = residence switch { Residence.L1 => 16 << 10, Residence.L2 => 256 << 10, _ => 128 << 20 };
        return bytes / (2 * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    /// <summary>Uniform values in [-1, 1) from a fixed seed.</summary>
    public static T[] Random<T>(int length, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = T.CreateTruncating((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
