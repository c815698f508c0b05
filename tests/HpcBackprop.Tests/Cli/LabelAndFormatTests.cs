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
    internal static (double X, double Y, string Label)[] Clusters()
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
        if (header)
        {
            Assert.Contains(labelFirst ? "header skipped (species, x, y)" : "header skipped (x, y, species)", output, StringComparison.Ordinal);
        }

        if (separator != ",")
        {
            Assert.Contains($"delimiter '{(separator == "\t" ? "\\t" : separator)}'", output, StringComparison.Ordinal);
        }

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

    /// <summary>
    /// Columns apart by runs of spaces and tabs (as many UCI .data files are), with spaces at the lines' ends, a
    /// header and quoted labels holding a space (as R's write.table writes them): read as columns, trained, and
    /// predicted back by name from a features-only file of the same kind.
    /// </summary>
    [Fact]
    public void Whitespace_separated_columns_are_read()
    {
        (double X, double Y, string Label)[] rows = Clusters();
        string Line(double x, double y, string? label) => FormattableString.Invariant($"  {x:R} \t  {y:R}{(label is null ? "" : "    \"Iris " + label + "\"")}  \n");
        string train = _temp.Write("train.data", "x y species\n" + string.Concat(rows.Select(r => Line(r.X, r.Y, r.Label))));
        string model = _temp.File("w.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("header skipped (x, y, species); delimiter whitespace", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));

        string features = _temp.Write("features.data", string.Concat(rows.Select(r => Line(r.X, r.Y, null))));
        (code, output, error) = CliRunner.Run("predict", "--model", model, "--data", features);
        Assert.True(code == 0, error);
        Assert.Equal(rows.Select(r => "Iris " + r.Label), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Numbers apart by spaces and then a tab before a quoted name (UCI's auto-mpg.data) is whitespace-separated;
    /// tab-separated lines whose cells are words with spaces ("new york city") stay tab-separated.
    /// </summary>
    [Fact]
    public void A_tab_among_space_separated_numbers_is_whitespace_but_words_with_spaces_keep_the_tab()
    {
        (double X, double Y, string Label)[] rows = Clusters();
        string mpg = _temp.Write("mpg.data", string.Concat(rows.Select(r => FormattableString.Invariant($"{r.X:R}   {r.Y:R}\t\"{r.Label}\"\n"))));
        (int code, string output, string error) = CliRunner.Run("train", "--data", mpg, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("delimiter whitespace", output, StringComparison.Ordinal);

        string towns = _temp.Write("towns.tsv", string.Concat(rows.Select(r => FormattableString.Invariant($"{r.X:R}\t{r.Y:R}\t{r.Label} city of {r.Label}\n"))));
        (code, output, error) = CliRunner.Run("train", "--data", towns, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("delimiter '\\t'", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every line ending with the delimiter, as some exporters write it, with a byte-order mark and CRLF: the empty
    /// last cell is no column, so the label is the last real column; a later line with a value there is ragged.
    /// </summary>
    [Fact]
    public void A_trailing_delimiter_is_no_column()
    {
        (double X, double Y, string Label)[] rows = Clusters();
        string body = Csv(rows, ",", header: true, labelFirst: false).Replace("\n", ",\r\n", StringComparison.Ordinal);
        string train = _temp.File("trailing.csv");
        File.WriteAllText(train, body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        string model = _temp.File("t.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("header skipped (x, y, species); trailing delimiter ignored", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));
        Assert.Equal(2, ModelFile.Load(model).LabelColumn);

        // Lines with and without the trailing delimiter mix; one with a value past it does not.
        string mixed = _temp.Write("mixed.csv", "1,2,a,\n3,4,b\n5,6,a,\n7,8,b,x\n");
        (code, _, error) = CliRunner.Run("train", "--data", mixed, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 4: 4 columns, but line 1 has 3", error, StringComparison.Ordinal);
        Assert.Contains("ends with a delimiter", error, StringComparison.Ordinal);

        // A header whose last column has no name is not a trailing delimiter: the data lines have a value there.
        string unnamed = _temp.Write("unnamed.csv", "a,b,\n1,2,x\n3,4,y\n1,2,x\n3,4,y\n");
        (code, output, error) = CliRunner.Run("train", "--data", unnamed, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("trailing delimiter", output, StringComparison.Ordinal);

        // "5.1," is a feature and an empty label, not a trailing delimiter.
        string emptyLabel = _temp.Write("empty.csv", "5.1,\n4.9,a\n");
        (code, _, error) = CliRunner.Run("train", "--data", emptyLabel, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 1, column 2: the label is empty", error, StringComparison.Ordinal);
    }

    /// <summary>The clusters with a third feature (noise), as lines of features and label in the given order.</summary>
    private static string ThreeFeatureLines((double X, double Y, string Label)[] rows, bool labelFirst)
    {
        var random = new Random(11);
        return string.Concat(rows.Select(r =>
        {
            string features = FormattableString.Invariant($"{r.X:R},{r.Y:R},{random.NextDouble():R}");
            return labelFirst ? $"{r.Label},{features}\n" : $"{features},{r.Label}\n";
        }));
    }

    /// <summary>
    /// A header of column numbers, as pandas writes a frame whose columns were never named: skipped by train and by
    /// predict (read as data it would be one example whose label, "label" or "3", is a class of its own).
    /// </summary>
    [Theory]
    [InlineData("0,1,2,label", false, null)]
    [InlineData("0,1,2,3", false, null)]
    [InlineData("1,2,3,4", false, null)]
    [InlineData("label,0,1,2", true, "0")]
    [InlineData("0,1,2,3", true, "0")]
    public void A_header_of_column_numbers_is_a_header(string header, bool labelFirst, string? labelColumn)
    {
        (double X, double Y, string Label)[] rows = Clusters();
        string train = _temp.Write("numbered.csv", header + "\n" + ThreeFeatureLines(rows, labelFirst));
        string model = _temp.File("n.hpcb");
        string[] args = ["train", "--data", train, "--save", model, "--lambda", "0.01", "--iterations", "200"];
        if (labelColumn is not null)
        {
            args = [.. args, "--label-column", labelColumn];
        }

        (int code, string output, string error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 3 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains($"header skipped ({header.Replace(",", ", ", StringComparison.Ordinal)})", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));

        (code, output, error) = CliRunner.Run("predict", "--model", model, "--data", train);
        Assert.True(code == 0, error);
        Assert.Equal(rows.Select(r => r.Label), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// First lines that do not number the columns stay data: fewer than three features, a gap, a start past 1, a
    /// decimal point, a sign, a label cell out of the count; and --no-header keeps a first line that does.
    /// </summary>
    [Theory]
    [InlineData("0,1,b", 2, 2)]      // two features only (a truth table's row)
    [InlineData("0,1,3,b", 3, 2)]    // a gap
    [InlineData("2,3,4,b", 3, 2)]    // starts past 1
    [InlineData("0,1.0,2,b", 3, 2)]  // not whole numbers as written
    [InlineData("0,1,2,7", 3, 3)]    // the label cell is a number out of the count: a class "7"
    [InlineData("-1,0,1,b", 3, 2)]   // a sign
    public void A_first_line_that_does_not_number_the_columns_is_data(string first, int features, int classes)
    {
        string rows = features == 2
            ? "0,0,a\n1,1,a\n1,0,b\n0,0,a\n1,1,a\n1,0,b\n"
            : "0,0,0,a\n1,1,1,a\n1,0,1,b\n0,0,1,a\n1,1,0,a\n1,0,0,b\n";
        string path = _temp.Write("data.csv", first + "\n" + rows);
        (int code, string output, string error) = CliRunner.Run(
            "train", "--data", path, "--iterations", "2", "--test-fraction", "0", "--layers", $"{features}-3-{classes}");
        Assert.True(code == 0, error);
        Assert.Contains($"7 examples, {features} features, {classes} classes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("header skipped", output, StringComparison.Ordinal);
    }

    [Fact]
    public void No_header_keeps_a_first_line_that_counts_and_contradicts_header()
    {
        string path = _temp.Write("counts.csv", "0,1,2,b\n0,0,0,a\n1,1,1,a\n1,0,1,b\n0,0,1,a\n");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 examples, 3 features, 2 classes", output, StringComparison.Ordinal);
        Assert.Contains("header skipped (0, 1, 2, b)", output, StringComparison.Ordinal);

        (code, output, error) = CliRunner.Run("train", "--data", path, "--iterations", "2", "--test-fraction", "0", "--no-header");
        Assert.True(code == 0, error);
        Assert.Contains("5 examples, 3 features, 2 classes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("header skipped", output, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("train", "--data", path, "--header", "--no-header");
        Assert.Equal(2, code);
        Assert.Contains("--header and --no-header", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("train", "--data", path, "--no-header", "--label-column", "b");
        Assert.Equal(2, code);
        Assert.Contains("--no-header", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("train", "--no-header");
        Assert.Equal(2, code);
        Assert.Contains("apply to --data files only", error, StringComparison.Ordinal);
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
    public void A_label_column_found_by_name_makes_the_first_line_the_header_even_when_some_names_are_numbers()
    {
        string path = _temp.Write("h.csv", "x,2,species\n" + Csv(Clusters(), ",", header: false, labelFirst: false));
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--label-column", "species", "--iterations", "2");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?,?,setosa", "'?'")]
    [InlineData(",,setosa", "''")]
    [InlineData("NA,NA,setosa", "'NA'")]
    public void A_first_row_of_missing_values_is_an_error_not_a_header(string first, string cell)
    {
        string path = _temp.Write("m.csv", first + "\n" + Csv(Clusters(), ",", header: false, labelFirst: false));
        (int code, _, string error) = CliRunner.Run("train", "--data", path);
        Assert.Equal(1, code);
        Assert.Contains($"line 1, column 1: {cell} is not a finite number", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"a\tb\"")]
    [InlineData("\"a\nb\"")]
    public void A_label_that_a_model_cannot_keep_is_an_error_naming_its_line(string label)
    {
        string path = _temp.Write("l.csv", "1,2,x\n3,4," + label + "\n5,6,x\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path);
        Assert.Equal(1, code);
        Assert.Contains("line 2, column 3: a label must have at most 256 characters and no control characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_from_a_pipe_is_read_too()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // mkfifo
        }

        string fifo = _temp.File("pipe.csv");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        byte[] content = Encoding.ASCII.GetBytes(Csv(Clusters(), ",", header: false, labelFirst: false));
        Task writer = Task.Run(() => File.WriteAllBytes(fifo, content)); // blocks until the reader opens the pipe
        (int code, string output, string error) = CliRunner.Run("train", "--data", fifo, "--iterations", "2");
        await writer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_numbers_differing_past_a_doubles_precision_stay_two_classes()
    {
        string path = _temp.Write("ids.csv", "0,0,12345678901234567890\n0,1,12345678901234567891\n1,0,12345678901234567890\n1,1,12345678901234567891\n");
        string model = _temp.File("m.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--test-fraction", "0", "--iterations", "2", "--save", model);
        Assert.True(code == 0, error);
        Assert.Contains("2 classes", output, StringComparison.Ordinal);
        Assert.Equal(["12345678901234567890", "12345678901234567891"], ModelFile.Load(model).ClassLabels);
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
