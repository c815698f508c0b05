using HpcBackprop.Kernels.Simd;
using Xunit.Abstractions;

namespace HpcBackprop.Tests.Kernels;

/// <summary>
/// The ISA guard: a run that sets a knob (DOTNET_EnableAVX2=0, HPCBACKPROP_SIMD=Vector512, ...) also sets
/// HPCBACKPROP_EXPECT_SIMD to the width that knob must produce, and this test fails if the kernels run on
/// another one, so a knob the runtime silently ignores cannot pass for a tested path.
/// </summary>
[Trait("Category", "Simd")]
public sealed class SimdPathGuardTests(ITestOutputHelper output)
{
    /// <summary>The variable naming the width this run must take.</summary>
    public const string ExpectVariable = "HPCBACKPROP_EXPECT_SIMD";

    [Fact]
    public void The_kernels_run_on_the_expected_width()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectVariable);
        string? forced = Environment.GetEnvironmentVariable(SimdPath.EnvironmentVariable);
        output.WriteLine($"SimdPath.Active = {SimdPath.Active}, SimdPath.Hardware = {SimdPath.Hardware}, {SimdPath.EnvironmentVariable} = '{forced}', {ExpectVariable} = '{expected}'");
        if (string.IsNullOrWhiteSpace(expected))
        {
            // No expectation: an unforced run must take the widest width the hardware accelerates.
            if (string.IsNullOrWhiteSpace(forced))
            {
                Assert.Equal(SimdPath.Hardware, SimdPath.Active);
            }

            return;
        }

        Assert.True(Enum.TryParse(expected.Trim(), ignoreCase: true, out SimdWidth width) && Enum.IsDefined(width), $"{ExpectVariable}='{expected}' is not a SimdWidth");
        Assert.Equal(width, SimdPath.Active);
    }
}
