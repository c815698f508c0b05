using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace HpcBackprop.Benchmarks.Peers;

/// <summary>
/// Makes libtorch (TorchSharp-cpu) usable in this process, or says in one line why it cannot be.
/// </summary>
/// <remarks>
/// Called by every libtorch benchmark's setup, in the benchmark's own process, before the first
/// TorchSharp call. If <c>libLibTorchSharp.so</c> fails to load only because the system libstdc++
/// lacks <c>GLIBCXX_3.4.32</c> (Debian 12), the copy in this build output is patched by
/// <see cref="ElfVersionNeed"/> and loaded again; the system is never touched, and a machine whose
/// libstdc++ is new enough loads the file as shipped. Then a small matmul is checked against a
/// managed product, so a libtorch row is only ever produced by a libtorch that computes.
/// </remarks>
internal static class LibTorch
{
    private const string NativeName = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly Lazy<string?> Unavailable = new(Prepare);

    /// <summary>Null when libtorch loaded and computed a matmul correctly; otherwise the reason, one line.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>What was done to load it (for the log): "as shipped", "patched copy in the build output", ...</summary>
    public static string LoadNote { get; private set; } = "not loaded";

    /// <summary>Throws <see cref="NotSupportedException"/> with the one-line reason when libtorch is unavailable.</summary>
    public static void Require()
    {
        if (UnavailableReason is { } reason)
        {
            throw new NotSupportedException("libtorch skipped: " + reason);
        }
    }

    /// <summary>
    /// Patches the build output's <c>libLibTorchSharp.so</c> if (and only if) this machine needs it.
    /// Used by <c>--prepare-libtorch</c> and by <see cref="Prepare"/>.
    /// </summary>
    /// <returns>A one-line description of what was found and done.</returns>
    public static string PatchIfNeeded(string directory)
    {
        string path = Path.Combine(directory, NativeName);
        if (!File.Exists(path))
        {
            return $"{path} not found";
        }

        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            bool patchedEarlier = ElfVersionNeed.MakeWeak(File.ReadAllBytes(path), MissingVersion, ["_ZSt21ios_base_library_initv"])
                == ElfVersionNeed.Outcome.AlreadyWeak;
            return patchedEarlier ? $"loads (this build output's copy was patched earlier: {MissingVersion} weak)" : "loads as shipped";
        }
        catch (DllNotFoundException e) when (e.Message.Contains(MissingVersion, StringComparison.Ordinal))
        {
            ElfVersionNeed.Outcome outcome = ElfVersionNeed.MakeWeak(path, MissingVersion, ["_ZSt21ios_base_library_initv"]);
            return $"system libstdc++ lacks {MissingVersion}: {outcome} the build output's runtimes/linux-x64/native/{NativeName} (weak version need)";
        }
    }

    private static string? Prepare()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            // Elsewhere TorchSharp's own loader is all there is; the check below still decides.
            LoadNote = "platform loader";
        }
        else
        {
            string directory = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
            try
            {
                LoadNote = PatchIfNeeded(directory);
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                return FirstLine(e.Message);
            }
        }

        try
        {
            return CheckMatmul();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException or ExternalException)
        {
            return FirstLine((e.InnerException ?? e).Message);
        }
    }

    private static string? CheckMatmul()
    {
        using var scope = NewDisposeScope();
        float[] a = [1, 2, 3, 4, 5, 6];          // 2 x 3
        float[] b = [7, 8, 9, 10, 11, 12];       // 3 x 2
        float[] expected = [58, 64, 139, 154];   // a b
        using Tensor product = matmul(tensor(a, [2, 3]), tensor(b, [3, 2]));
        float[] actual = product.data<float>().ToArray();
        return actual.AsSpan().SequenceEqual(expected)
            ? null
            : $"libtorch loaded but a 2x3 by 3x2 matmul gave [{string.Join(", ", actual)}]";
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
