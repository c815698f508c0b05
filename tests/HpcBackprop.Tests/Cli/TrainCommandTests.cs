using System.Globalization;
using System.Text;

namespace HpcBackprop.Tests.Cli;

[Trait("Category", "Cli")]
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Default_train_reaches_96_percent_test_accuracy_on_digits()
    {
        (int code, string output, string error) = CliRunner.Run("train", "--seed", "1");

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        double accuracy = CliRunner.Accuracy(output, "test");
        Assert.True(accuracy >= 96.0, $"test accuracy {accuracy}%\n{output}");
        Assert.Contains("1258 train / 539 test", output, StringComparison.Ordinal);
        Assert.Contains("confusion matrix", output, StringComparison.Ordinal);
        Assert.Contains("GFLOP/s", output, StringComparison.Ordinal);
        Assert.Matches(@"iter\s+\d+\s+cost", output); // plain progress lines: the output is not a terminal
    }

    [Fact]
    public void The_live_display_shows_a_table_and_no_plain_progress_lines()
    {
        (int code, string output, string error) = CliRunner.Run(true, "train", "--iterations", "5");

        Assert.True(code == 0, error);
        Assert.Contains("train accuracy", output, StringComparison.Ordinal); // the table's column header
        Assert.DoesNotMatch(@"iter\s+\d+\s+cost", output);
        Assert.Contains("test      accuracy", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_confusion_matrix_counts_every_test_example_once()
    {
        (int code, string output, _) = CliRunner.Run("train", "--iterations", "5");
        Assert.Equal(0, code);
        string[] lines = output.Split('\n');
        int header = Array.FindIndex(lines, l => l.StartsWith("true\\pred", StringComparison.Ordinal));
        int[][] rows = lines.Skip(header + 1).Take(10)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse).ToArray()).ToArray();

        Assert.Equal(539, rows.Sum(r => r.Sum()));
        int correct = Enumerable.Range(0, 10).Sum(k => rows[k][k]);
        Assert.Equal(100.0 * correct / 539, CliRunner.Accuracy(output, "test"), 0.01);
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Other_optimizers_train(string optimizer)
    {
        (int code, string output, string error) = CliRunner.Run("train", "--optimizer", optimizer, "--iterations", "10");

        Assert.True(code == 0, error);
        Assert.Contains($", {optimizer}, 10 iterations", output, StringComparison.Ordinal);
        Assert.True(CliRunner.Accuracy(output, "test") > 50);
    }

    [Fact]
    public void Float_precision_threads_and_deeper_layouts_train()
    {
        (int code, string output, string error) = CliRunner.Run(
            "train", "--precision", "float", "--threads", "2", "--layers", "64,32,16,10", "--iterations", "20", "--lambda", "0.5");

        Assert.True(code == 0, error);
        Assert.Contains("64-32-16-10 (2778 parameters), float, lambda 0.5", output, StringComparison.Ordinal);
        Assert.Contains("2 thread(s)", output, StringComparison.Ordinal);
        Assert.True(CliRunner.Accuracy(output, "test") > 50);
    }

    [Fact]
    public void Without_a_test_split_there_is_no_test_accuracy()
    {
        (int code, string output, string error) = CliRunner.Run("train", "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("1797 train / 0 test", output, StringComparison.Ordinal);
        Assert.Contains("no examples held out", output, StringComparison.Ordinal);
        Assert.DoesNotContain("confusion", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_seed_same_result()
    {
        static string Result(string output) => string.Join('\n', output.Split('\n').Where(l => l.StartsWith("stopped", StringComparison.Ordinal) || l.StartsWith("test", StringComparison.Ordinal)));
        string a = CliRunner.Run("train", "--iterations", "5", "--seed", "3").Out;
        string b = CliRunner.Run("train", "--iterations", "5", "--seed", "3").Out;
        Assert.Equal(Result(a), Result(b));
    }

    [Fact]
    public void Trains_on_a_csv_with_header_and_label_column()
    {
        // Three well-separated classes on two features, label first, plus a constant column that min-max must survive.
        var csv = new StringBuilder("label,x,y,constant\n");
        var random = new Random(1);
        for (int i = 0; i < 150; i++)
        {
            int k = i % 3;
            csv.Append(CultureInfo.InvariantCulture, $"{k},{(k * 10) + random.NextDouble()},{100 - (k * 40) + random.NextDouble()},7\n");
        }

        string path = _temp.Write("three.csv", csv.ToString());
        string model = _temp.File("three.hpcb");

        (int code, string output, string error) = CliRunner.Run(
            "train", "--data", path, "--header", "--label-column", "0", "--layers", "3-4-3", "--save", model);

        Assert.True(code == 0, error);
        Assert.Contains("150 examples, 3 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));
        Assert.True(File.Exists(model));
    }

    [Fact]
    public void Default_layout_for_a_csv_is_features_25_classes()
    {
        string path = _temp.Write("d.csv", string.Concat(Enumerable.Range(0, 40).Select(i => $"{i % 4},{i * 0.5},{i % 2}\n")));
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "3");
        Assert.True(code == 0, error);
        Assert.Contains("network   2-25-2 (", output, StringComparison.Ordinal);
    }
}
