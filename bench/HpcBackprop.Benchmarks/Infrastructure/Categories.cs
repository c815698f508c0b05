namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>Benchmark categories, for <c>--anyCategories</c> / <c>--allCategories</c>.</summary>
public static class Categories
{
    /// <summary>Single kernels (GEMV, transposed GEMV, rank-1 update, sigmoid) at L1 / L2 / memory sizes.</summary>
    public const string Kernels = "kernels";

    /// <summary>Whole training steps (cost and gradient) on the four workloads.</summary>
    public const string Steps = "steps";

    /// <summary>Other libraries doing the same work: TensorPrimitives, MathNet.Numerics, libtorch.</summary>
    public const string Peers = "peers";

    /// <summary>The instruction-set comparison jobs (AVX-512 off, AVX2 off).</summary>
    public const string Isa = "isa";

    /// <summary>Baselines that take seconds per call, run with the short expensive job.</summary>
    public const string Expensive = "expensive";

    /// <summary>libtorch rows only (skipped with a reason where it cannot load).</summary>
    public const string LibTorch = "libtorch";
}
