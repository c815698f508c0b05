using System.Numerics;
using System.Runtime.CompilerServices;
using HpcBackprop.Kernels.Simd;

namespace HpcBackprop.Kernels.Gemm;

/// <summary>
/// The cache blocking of the packed GEMM for one width and element type (BLIS's MR, NR, KC, MC, NC).
/// </summary>
/// <remarks>
/// Chosen for the machine this project runs on, an AMD Zen 3 core (32 KiB L1d, 512 KiB L2, 32 MiB
/// shared L3), by the rules of Goto and van de Geijn and then by measurement:
/// - KC: a kc x NR sliver of B stays in L1 while the kernel sweeps the A block past it (a product may run twice as
///   deep: <see cref="ForDepth"/>). With NR = 16
///   floats, KC = 256 makes it 16 KiB, half of L1, leaving room for the A sliver (6 KiB) and C.
///   Bytes rather than elements are what matters, so KC x NR x sizeof(T) is kept at 16 KiB for every width.
/// - MC: the MC x KC block of A stays in L2 across the whole B panel: 144 x 256 floats = 144 KiB, a
///   bit over a quarter of L2, as BLIS's Zen configuration does (the rest holds the B panel's stream).
/// - NC: the KC x NC panel of B lives in L3 (4 MiB of 32 at 4096 floats); the networks here rarely
///   have a layer that wide, so in practice B is packed once per k block.
/// Measured on the batched 1024-1024-1024-10 step (float, m = 256, thread CPU time, medians of 25):
/// KC x MC = 256 x 144 was at least as fast as 192 x 144, 384 x 96, 256 x 96, 256 x 192, 512 x 48
/// and 128 x 288 (51 ms against 52-78 ms; the machine was shared, so differences under about 10%
/// are noise). The micro-kernel alone, on L1-resident slivers, runs at 90-92 GFLOP/s against a
/// measured FMA peak of 90-95 GFLOP/s per core.
/// On the Zen 5 machine that followed (48 KiB L1d, 1 MiB L2, AVX-512: KC 128 and MC 288 in float at 512 bits),
/// the same step with the 16 KiB sliver and 144 KiB A block took 17.2-17.8 ms against 16.4-17.3 ms for 32 KiB
/// and 144-512 KiB, 16.9-17.2 ms for 16/288 KiB and 17.5-19.1 ms for 24/196 and 8/144 KiB (min over 5 rounds, two
/// alternated passes pinned to one core): within the host's noise, so the rule was left as it is.
/// A product can run deeper k blocks, though (<see cref="ForDepth"/>).
/// </remarks>
internal readonly struct GemmBlocking
{
    private const int SliverBytes = 16 * 1024;
    private const int ABlockBytes = 144 * 1024;
    private const int PanelBytes = 4 * 1024 * 1024;

    private GemmBlocking(int mr, int nr, int kc, int mc, int nc)
    {
        MR = mr;
        NR = nr;
        KC = kc;
        MC = mc;
        NC = nc;
    }

    public int MR { get; }

    public int NR { get; }

    public int KC { get; }

    public int MC { get; }

    public int NC { get; }

    /// <summary>
    /// The blocking of a product with inner dimension <paramref name="k"/>: KC doubled (a B sliver of 32 KiB, the A block
    /// twice as many bytes for the same MC rows, NC halved so that the B panel stays 4 MiB) when k is more than KC and either k is 4 KC or more, or both operands are packed
    /// whatever the block (<paramref name="packsBothAnyway"/>, <see cref="GemmPathChoice.PacksBothAnyway"/>); else this.
    /// A function of k and the operands' strides, never of a block's shape: every block of a split product, and every packing
    /// made for it, runs the same k blocks, so the same chains of multiply-adds (see <see cref="ParallelGemm{T}"/>).
    /// </summary>
    /// <remarks>
    /// Deeper k blocks load and store each tile of C half as often: over a long k (Z = A Theta' and E = D Theta of a wide
    /// layer), and over k = 256 in Delta = D' A of a layer 1024 wide, whose 4 MiB C is then written once, not twice.
    /// Measured on the 1024-1024-1024-10 step (Zen 5, AVX-512, float, m = 256, min over 5 rounds, builds alternated):
    /// - two threads, the rule against KC = 128 throughout: 0.958 (0.833-1.043, 10 alternations), 0.952 (10); k &gt;= 4 KC alone
    ///   0.974, k = 256 alone 0.979 (10); double 0.986 (4);
    /// - one thread, pinned: 0.968 (0.958-0.984, 4); 784-128-10 0.983 (4); at 256 bits (KC 256 -&gt; 512) 0.995 in float and
    ///   0.999 in double.
    /// Not for every k: KC = 256 for every product made the one-thread 400-25-10 step (m = 5000) 1.17 times slower (1.15-1.24,
    /// 6 alternations), and KC = 256 for k &lt;= 256 alone 1.20: its Delta = D(2)' X (25 x 401 x 256) reads both operands in
    /// place, and two 256-deep slivers no longer fit L1 beside each other. The rule leaves it alone.
    /// </remarks>
    public GemmBlocking ForDepth(int k, bool packsBothAnyway)
        => k > KC && (k >= 4 * KC || packsBothAnyway) ? Deep : this;

    /// <summary>This blocking with k blocks <paramref name="depth"/> deep, which must be KC or the deep KC of <see cref="ForDepth"/>.</summary>
    public GemmBlocking WithDepth(int depth)
        => depth == KC ? this
            : depth == 2 * KC ? Deep
            : throw new ArgumentOutOfRangeException(nameof(depth), depth, $"k blocks run {KC} or {2 * KC} steps deep (Gemm.Depth).");

    // KC doubled, MC rows kept, NC halved so that the packed B panel stays PanelBytes.
    private GemmBlocking Deep => new(MR, NR, 2 * KC, MC, Math.Max(NR, NC / 2 / NR * NR));

    /// <summary>The blocking of the width the kernels run at (<see cref="SimdPath.Active"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no tier-0/OSR code: README, "Tiered compilation"
    public static GemmBlocking ForActiveWidth<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
        => SimdPath.Active switch
        {
            SimdWidth.Vector512 => For<Ops512<T>, System.Runtime.Intrinsics.Vector512<T>, T>(),
            SimdWidth.Vector256 => For<Ops256<T>, System.Runtime.Intrinsics.Vector256<T>, T>(),
            SimdWidth.Vector128 => For<Ops128<T>, System.Runtime.Intrinsics.Vector128<T>, T>(),
            _ => For<OpsScalar<T>, T, T>(),
        };

    /// <summary>The blocking for registers of TOps.</summary>
    public static unsafe GemmBlocking For<TOps, TVec, T>()
        where TOps : IVectorOps<TVec, T>
        where TVec : struct
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = GemmMicroKernel.Rows;
        int nr = GemmMicroKernel.VectorsPerRow * TOps.Count;
        int kc = Math.Clamp(SliverBytes / (nr * sizeof(T)), 64, 512);
        int mc = Math.Max(mr, ABlockBytes / (kc * sizeof(T)) / mr * mr);
        int nc = Math.Max(nr, PanelBytes / (kc * sizeof(T)) / nr * nr);
        return new GemmBlocking(mr, nr, kc, mc, nc);
    }
}
