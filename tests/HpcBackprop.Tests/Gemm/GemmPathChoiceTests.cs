using HpcBackprop.Kernels.Gemm;

namespace HpcBackprop.Tests.Gemm;

/// <summary>
/// The packing rules as measured (GemmPathChoice's remarks): the results do not depend on them (GemmTests runs
/// every path), so this pins the choices themselves, which the performance of the engines rests on.
/// </summary>
public class GemmPathChoiceTests
{
    private const int Mr = 6, Nr = 16;

    [Fact]
    public void A_is_packed_for_many_column_slivers_and_read_in_place_for_few()
    {
        Assert.True(GemmPathChoice.For(256, (GemmPathChoice.PackAMinColumnSlivers * Nr) + 1, false, Mr, Nr).PackA);
        Assert.False(GemmPathChoice.For(256, GemmPathChoice.PackAMinColumnSlivers * Nr, false, Mr, Nr).PackA);
    }

    [Fact]
    public void A_whose_k_steps_are_a_page_apart_is_packed_even_for_few_slivers()
    {
        // Delta = D' A of a 1024-wide float layer split into 128-wide blocks: D' has 4 KiB between k steps.
        Assert.True(GemmPathChoice.For(1024, 128, false, Mr, Nr, aStepBytes: 4096).PackA);
        Assert.False(GemmPathChoice.For(1024, 128, false, Mr, Nr, aStepBytes: 2048).PackA);
    }

    [Fact]
    public void B_is_packed_when_transposed_tall_or_a_page_per_row()
    {
        Assert.True(GemmPathChoice.For(10, 1024, true, Mr, Nr).PackB);
        Assert.True(GemmPathChoice.For((GemmPathChoice.PackBMinRowSlivers * Mr) + 1, 1024, false, Mr, Nr).PackB);
        Assert.False(GemmPathChoice.For(10, 1024, false, Mr, Nr, bStepBytes: 4092).PackB);
        Assert.True(GemmPathChoice.For(10, 1024, false, Mr, Nr, bStepBytes: 4096).PackB);
    }
}
