using System.Globalization;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Cli;

[Trait("Category", "Cli")]
public sealed class PredictCommandTests : IClassFixture<PredictCommandTests.TrainedModel>, IDisposable
{
    private readonly TrainedModel _trained;
    private readonly TempDirectory _temp = new();

    public PredictCommandTests(TrainedModel trained) => _trained = trained;

    public void Dispose() => _temp.Dispose();

    /// <summary>One short training run shared by the tests: its model file and the digits it was trained on.</summary>
    public sealed class TrainedModel : IDisposable
    {
        private readonly TempDirectory _directory = new();

        public TrainedModel()
        {
            ModelPath = _directory.File("digits.hpcb");
            (int code, _, string error) = CliRunner.Run("train", "--iterations", "30", "--save", ModelPath);
            Assert.True(code == 0, error);
            FloatModelPath = _directory.File("digits-float.hpcb");
            (code, _, error) = CliRunner.Run("train", "--iterations", "10", "--precision", "float", "--save", FloatModelPath);
            Assert.True(code == 0, error);
        }

        public string ModelPath { get; }

        public string FloatModelPath { get; }

        public void Dispose() => _directory.Dispose();
    }

    /// <summary>An independent forward pass, written from the spec in the test: (x - offset) * scale, then sigmoid layers, then arg max.</summary>
    private static int[] ForwardPass(NetworkModel model, double[][] rows)
    {
        NetworkLayout layout = model.Layout;
        double[] theta = model.GetParameters<double>();
        var predictions = new int[rows.Length];
        for (int t = 0; t < rows.Length; t++)
        {
            double[] a = rows[t].Select((x, j) => (x - model.FeatureOffsets[j]) * model.FeatureScales[j]).ToArray();
            for (int l = 0; l < layout.ThetaCount; l++)
            {
                int offset = layout.ThetaOffset(l), columns = layout.ThetaColumns(l);
                a = Enumerable.Range(0, layout.ThetaRows(l)).Select(i =>
                {
                    double z = theta[offset + (i * columns)];
                    for (int j = 1; j < columns; j++)
                    {
                        z += theta[offset + (i * columns) + j] * a[j - 1];
                    }

                    return 1 / (1 + Math.Exp(-z));
                }).ToArray();
            }

            predictions[t] = Array.IndexOf(a, a.Max());
        }

        return predictions;
    }

    private string WriteDigitsSample(int count, bool withLabels, out double[][] rows, out int[] labels)
    {
        var random = new Random(3);
        rows = new double[count][];
        labels = new int[count];
        var lines = new List<string>();
        for (int t = 0; t < count; t++)
        {
            rows[t] = Enumerable.Range(0, 64).Select(_ => (double)random.Next(17)).ToArray();
            labels[t] = random.Next(10);
            IEnumerable<double> cells = withLabels ? rows[t].Append(labels[t]) : rows[t];
            lines.Add(string.Join(',', cells.Select(c => c.ToString(CultureInfo.InvariantCulture))));
        }

        return _temp.Write(withLabels ? "labelled.csv" : "unlabelled.csv", string.Join('\n', lines) + "\n");
    }

    [Fact]
    public void Predictions_agree_with_an_independent_forward_pass()
    {
        string data = WriteDigitsSample(200, withLabels: false, out double[][] rows, out _);
        string output = _temp.File("predictions.txt");

        (int code, string stdout, string error) = CliRunner.Run("predict", "--model", _trained.ModelPath, "--data", data, "--output", output);

        Assert.True(code == 0, error);
        int[] expected = ForwardPass(ModelFile.Load(_trained.ModelPath), rows);
        Assert.Equal(expected, File.ReadAllLines(output).Select(int.Parse));
        Assert.Contains("predicted 200 examples", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("accuracy", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Float_models_score_in_float_and_agree_with_the_double_forward_pass()
    {
        string data = WriteDigitsSample(200, withLabels: false, out double[][] rows, out _);
        (int code, string stdout, string error) = CliRunner.Run("predict", "--model", _trained.FloatModelPath, "--data", data);

        Assert.True(code == 0, error);
        int[] expected = ForwardPass(ModelFile.Load(_trained.FloatModelPath), rows);
        int[] actual = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        // float rounding may flip a near-tie; allow at most one of 200.
        Assert.True(expected.Zip(actual).Count(p => p.First != p.Second) <= 1);
        Assert.Contains("(single)", error, StringComparison.Ordinal); // the summary goes to stderr when predictions use stdout
    }

    [Fact]
    public void Labels_present_give_the_accuracy()
    {
        string data = WriteDigitsSample(100, withLabels: true, out double[][] rows, out int[] labels);
        (int code, string stdout, string error) = CliRunner.Run("predict", "--model", _trained.ModelPath, "--data", data, "--output", _temp.File("p.txt"));

        Assert.True(code == 0, error);
        int[] expected = ForwardPass(ModelFile.Load(_trained.ModelPath), rows);
        double accuracy = 100.0 * expected.Zip(labels).Count(p => p.First == p.Second) / labels.Length;
        Assert.Equal(accuracy, CliRunner.Accuracy(stdout, ""), 0.01);
    }

    [Fact]
    public void Embedded_digits_by_default_and_latency_on_request()
    {
        (int code, string stdout, string error) = CliRunner.Run("predict", "--model", _trained.ModelPath, "--output", _temp.File("p.txt"), "--latency");

        Assert.True(code == 0, error);
        Assert.Contains("predicted 1797 examples", stdout, StringComparison.Ordinal);
        Assert.True(CliRunner.Accuracy(stdout, "") > 90);
        Assert.Matches(@"latency  single example: median \d+\.\d+ us, p99 \d+\.\d+ us, 0 bytes allocated per call", stdout);
    }

    [Fact]
    public void A_label_outside_the_models_classes_is_a_data_error_naming_the_line()
    {
        string row = string.Join(',', Enumerable.Repeat("3", 64));
        AssertDataErrorWritesNothing($"{row},9\n{row},10\n", "line 2, column 65: label '10' is not a class of the model 64-25-10 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)");
    }

    [Fact]
    public void Wrong_column_count_is_a_data_error_and_writes_nothing()
        => AssertDataErrorWritesNothing("1,2,3\n4,5,6\n", "3 columns, but the model 64-25-10 takes 64 features (64 columns, or 65 with a label column)");

    /// <summary>predict on <paramref name="csv"/> exits 1 with <paramref name="expected"/> on stderr, and writes no output file.</summary>
    private void AssertDataErrorWritesNothing(string csv, string expected)
    {
        string data = _temp.Write("bad.csv", csv);
        string output = _temp.File("p.txt");

        (int code, string stdout, string error) = CliRunner.Run("predict", "--model", _trained.ModelPath, "--data", data, "--output", output);

        Assert.Equal(1, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal("", stdout);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Corrupted_truncated_and_missing_models_are_data_errors()
    {
        byte[] bytes = File.ReadAllBytes(_trained.ModelPath);
        bytes[100] ^= 0x40;
        string corrupted = _temp.File("corrupted.hpcb");
        File.WriteAllBytes(corrupted, bytes);
        string truncated = _temp.File("truncated.hpcb");
        File.WriteAllBytes(truncated, bytes[..^7]);

        (int code, _, string error) = CliRunner.Run("predict", "--model", corrupted);
        Assert.Equal(1, code);
        Assert.Contains("checksum mismatch", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("predict", "--model", truncated);
        Assert.Equal(1, code);
        Assert.Contains("truncated", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("predict", "--model", _temp.File("none.hpcb"));
        Assert.Equal(1, code);
        Assert.Contains("none.hpcb", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Npy_export_then_import_reproduces_the_model_bit_for_bit()
    {
        string npy = _temp.File("p.npy"), copy = _temp.File("copy.hpcb");

        (int code, string stdout, string error) = CliRunner.Run("export-npy", "--model", _trained.ModelPath, "--output", npy);
        Assert.True(code == 0, error);
        Assert.Contains("wrote 1885 parameters", stdout, StringComparison.Ordinal);
        Assert.Equal(ModelFile.Load(_trained.ModelPath).GetParameters<double>(), NpyFile.Load<double>(npy));

        (code, _, error) = CliRunner.Run("import-npy", "--model", _trained.ModelPath, "--npy", npy, "--output", copy);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(_trained.ModelPath), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Importing_a_vector_of_the_wrong_length_is_a_data_error()
    {
        string npy = _temp.File("short.npy");
        NpyFile.Save<double>(npy, new double[10]);

        (int code, _, string error) = CliRunner.Run("import-npy", "--model", _trained.ModelPath, "--npy", npy, "--output", _temp.File("x.hpcb"));

        Assert.Equal(1, code);
        Assert.Contains("shape (10), but the model 64-25-10 has 1885 parameters", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("x.hpcb")));
    }
}
