using System.IO.Compression;
using System.Text;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Cli;

/// <summary>
/// Data as users bring it: labels that are names, a header, the label in another column, other delimiters,
/// gzip under any name; the model remembers its class names and label column, so predict reads the same layout.
/// </summary>
[Trait("Category", "Cli")]
public sealed class LabelAndFormatTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Three well-separated clusters in 2-D, labelled by name, 20 per class, in a fixed shuffled order.</summary>
    private static (double X, double Y, string Label)[] Clusters()
    {
        var random = new Random(5);
        (double, double, string)[] centers = [(0, 0, "setosa"), (4, 0, "versicolor"), (0, 4, "virginica")];
        var rows = new List<(double, double, string)>();
        for (int i = 0; i < 60; i++)
        {
            (double cx, double cy, string name) = centers[i % 3];
            rows.Add((cx + (random.NextDouble() - 0.5), cy + (random.NextDouble() - 0.5), name));
        }

        return [.. rows.OrderBy(_ => random.Next())];
    }

    private static string Csv(IEnumerable<(double X, double Y, string Label)> rows, string separator, bool header, bool labelFirst)
    {
        var text = new StringBuilder();
        if (header)
        {
            text.Append(labelFirst ? $"species{separator}x{separator}y\n" : $"x{separator}y{separator}species\n");
        }

        foreach ((double x, double y, string label) in rows)
        {
            string a = x.ToString("R", System.Globalization.CultureInfo.InvariantCulture), b = y.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            text.Append(labelFirst ? $"{label}{separator}{a}{separator}{b}\n" : $"{a}{separator}{b}{separator}{label}\n");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData(",", true, false, null)]
    [InlineData(";", true, true, "species")]
    [InlineData("\t", false, true, "0")]
    [InlineData("|", true, true, "-3")]
    public void Named_labels_train_and_predict_prints_the_names(string separator, bool header, bool labelFirst, string? labelColumn)
    {
        (double X, double Y, string Label)[] rows = Clusters();
        string train = _temp.Write("train.csv", Csv(rows, separator, header, labelFirst));
        string model = _temp.File("m.hpcb");
        string[] args = ["train", "--data", train, "--save", model, "--lambda", "0.01", "--iterations", "200"];
        if (labelColumn is not null)
        {
            args = [.. args, "--label-column", labelColumn];
        }

        (int code, string output, string error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Matches(@"true\\pred\s+setosa\s+versicolor\s+virginica", output);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));

        NetworkModel saved = ModelFile.Load(model);
        Assert.Equal(["setosa", "versicolor", "virginica"], saved.ClassLabels);
        Assert.Equal(labelFirst ? 0 : 2, saved.LabelColumn);

        // The same layout, labels included: predict finds the label column from the model alone.
        (code, output, error) = CliRunner.Run("predict", "--model", model, "--data", train);
        Assert.True(code == 0, error);
        Assert.Equal(rows.Select(r => r.Label), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("accuracy 100.00% (60 / 60)", error, StringComparison.Ordinal);

        // Features only.
        string features = _temp.Write("features.csv", string.Concat(rows.Select(r => FormattableString.Invariant($"{r.X:R}{separator}{r.Y:R}\n"))));
        (code, output, error) = CliRunner.Run("predict", "--model", model, "--data", features);
        Assert.True(code == 0, error);
        Assert.Equal(rows.Select(r => r.Label), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Numeric_labels_are_one_class_however_they_are_spelled_and_keep_their_first_spelling()
    {
        string path = _temp.Write("spell.csv", "0,0,1.0\n0,1,1\n1,0,10\n1,1,1e1\n0,2,1\n2,0,10\n");
        string model = _temp.File("m.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--test-fraction", "0", "--iterations", "3", "--save", model);
        Assert.True(code == 0, error);
        Assert.Contains("2 classes", output, StringComparison.Ordinal);
        Assert.Equal(["1.0", "10"], ModelFile.Load(model).ClassLabels); // numeric order, first spelling
    }

    [Fact]
    public void Gzip_is_recognized_by_its_content_not_its_name()
    {
        string path = _temp.File("data.csv");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.ASCII.GetBytes(Csv(Clusters(), ",", header: false, labelFirst: false)));
        }

        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_column_name_missing_from_the_header_is_a_usage_error()
    {
        string path = _temp.Write("h.csv", Csv(Clusters(), ",", header: true, labelFirst: false));
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--label-column", "kind");
        Assert.Equal(2, code);
        Assert.Contains("--label-column kind", error, StringComparison.Ordinal);
        Assert.Contains("no column of that name in its first line (x, y, species)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_output_to_a_directory_is_a_usage_error_that_writes_nothing()
    {
        string path = _temp.Write("train.csv", Csv(Clusters(), ",", header: false, labelFirst: false));
        string model = _temp.File("m.hpcb");
        Assert.Equal(0, CliRunner.Run("train", "--data", path, "--iterations", "2", "--save", model).Code);
        string directory = Directory.CreateDirectory(_temp.File("out")).FullName;

        (int code, _, string error) = CliRunner.Run("predict", "--model", model, "--data", path, "--output", directory);
        Assert.Equal(2, code);
        Assert.Contains("must name a file", error, StringComparison.Ordinal);
        Assert.Equal(["m.hpcb", "train.csv"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_model_file_keeps_class_names_and_label_column_bit_for_bit()
    {
        var layout = new NetworkLayout(3, 4, 3);
        NetworkModel model = NetworkModel.Create<float>(layout, WeightInitializer.Create<float>(layout, 2))
            .WithClassLabels(["chat", "chien", "oiseau \u00e9t\u00e9"], 1);
        NetworkModel loaded = ModelFile.Deserialize(ModelFile.Serialize(model));
        Assert.True(loaded.BitwiseEquals(model));
        Assert.Equal("oiseau \u00e9t\u00e9", loaded.ClassLabel(2));
        Assert.Equal(1, loaded.LabelColumn);
        Assert.False(loaded.BitwiseEquals(model.WithClassLabels(["chat", "chien", "oiseau"], 1)));
    }
}
