namespace HpcBackprop.Tests.Cli;

[Trait("Category", "Cli")]
public class CommandLineTests
{
    public static TheoryData<string> Commands => ["train", "predict", "gradcheck", "bench", "export-npy", "import-npy"];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_help(string command)
    {
        (int code, string output, string error) = CliRunner.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.StartsWith($"usage: hpcbackprop {command} [options]", output, StringComparison.Ordinal);
        Assert.Contains("  --", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData(new string[0], "usage: hpcbackprop <command>")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "train", "--iteration", "5" }, "unknown option '--iteration'")]
    [InlineData(new[] { "train", "--iterations" }, "--iterations needs a value")]
    [InlineData(new[] { "train", "--iterations", "0" }, "--iterations expects a whole number")]
    [InlineData(new[] { "train", "--lambda", "-1" }, "--lambda expects a number >= 0")]
    [InlineData(new[] { "train", "--optimizer", "newton" }, "--optimizer expects one of cg, lbfgs, sgd, adam")]
    [InlineData(new[] { "train", "--precision", "half" }, "--precision expects one of float, double")]
    [InlineData(new[] { "train", "--layers", "64-x-10" }, "--layers '64-x-10'")]
    [InlineData(new[] { "train", "--layers", "10,25,10" }, "takes 10 inputs, but digits.csv.gz has 64 features")]
    [InlineData(new[] { "train", "--learning-rate", "0.1" }, "apply to sgd and adam, not lbfgs")]
    [InlineData(new[] { "train", "--header" }, "apply to --data files only")]
    [InlineData(new[] { "train", "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "train", "--seed", "1", "--seed", "2" }, "--seed is given twice")]
    [InlineData(new[] { "predict" }, "--model is required")]
    [InlineData(new[] { "train", "--save", "/nonexistent-dir/m.hpcb" }, "the directory does not exist")]
    [InlineData(new[] { "gradcheck", "--header" }, "unknown option '--header'")]
    [InlineData(new[] { "train", "--layers", "64,-1,10" }, "'64,-1,10' has an empty one (two separators in a row, one at an end, or a minus sign)")]
    [InlineData(new[] { "train", "--layers", "64,0,10" }, "Every layer needs at least 1 unit; layer 2 of 3 has 0.\n")]
    public void Usage_errors_exit_2_with_a_message_on_stderr(string[] args, string expected)
    {
        (int code, string output, string error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(expected, error.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value was", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Theory]
    [InlineData("-0")]      // -0.0 >= 0: accepted, trains as lambda 0
    [InlineData("1e-300")]  // a positive double that float rounds to 0
    public void Lambda_values_that_are_zero_in_the_computing_type_train(string lambda)
    {
        (int code, string output, string error) = CliRunner.Run("train", "--precision", "float", "--lambda", lambda, "--iterations", "2");
        Assert.True(code == 0, error);
        Assert.Contains("accuracy", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_the_library_rejects_is_an_error_message_not_a_crash()
    {
        // 1e39 is a valid double but overflows float: the library's ArgumentOutOfRangeException becomes exit 1.
        (int code, string output, string error) = CliRunner.Run("train", "--precision", "float", "--lambda", "1e39", "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("lambda", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_layer_of_another_size_than_the_class_count_is_a_usage_error()
    {
        (int code, _, string error) = CliRunner.Run("train", "--layers", "64,25,5");
        Assert.Equal(2, code);
        Assert.Contains("has 5 output units, but digits.csv.gz has 10 classes (0, 1, 2, 3, 4, 5, 6, 7, 8, 9); the last size must be 10", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_with_more_data_than_an_array_holds_is_a_usage_error()
    {
        (int code, _, string error) = CliRunner.Run("bench", "--layers", "3000,2,2", "--examples", "1000000");
        Assert.Equal(2, code);
        Assert.Contains("--examples 1000000 x 3000 features is more than an array holds", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Gradcheck_passes_on_a_random_and_a_given_layout()
    {
        (int code, string output, string error) = CliRunner.Run("gradcheck");
        Assert.True(code == 0, error);
        Assert.Matches(@"relative difference \d\.\d+E-\d+, .*: PASS", output);

        (code, output, error) = CliRunner.Run("gradcheck", "--layers", "5,4,3,2", "--examples", "7", "--lambda", "0.3", "--seed", "9");
        Assert.True(code == 0, error);
        Assert.Contains("layout 5-4-3-2 (47 parameters), 7 examples, lambda 0.3", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Gradcheck_fails_when_the_tolerance_is_impossible()
    {
        // A step of 0.5 makes the central difference visibly wrong: the check must be able to fail.
        (int code, string output, _) = CliRunner.Run("gradcheck", "--layers", "4,3,2", "--epsilon", "0.5", "--tolerance", "1e-9");
        Assert.Equal(1, code);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_reports_per_example_and_batched_throughput()
    {
        (int code, string output, string error) = CliRunner.Run("bench", "--layers", "8-6-3", "--examples", "40", "--seconds", "0.05", "--precision", "double");
        Assert.True(code == 0, error);
        Assert.Matches(@"double\s+per-example\s+1\s+\d+\.\d+\s+[\d,]+\s+\d+\.\d+\s+\d+\.\d+%", output);
        Assert.Matches(@"double\s+per-example\s+40\s+\d+\.\d+", output);
        Assert.Matches(@"double\s+batched\s+40\s+\d+\.\d+", output);
        Assert.Contains("peak", output, StringComparison.Ordinal);
    }
}
