namespace HpcBackprop.Tests.Cli;

/// <summary>Every bad-CSV case: exit code 1, a message naming file, line and column, and no file written.</summary>
[Trait("Category", "Cli")]
public sealed class CsvErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, string, string[]> Cases => new()
    {
        { "ragged", "1,2,0\n3,4,1\n5,6\n", ["line 3", "2 columns", "line 1 has 3"] },
        { "non-numeric", "1,2,0\n3,abc,1\n", ["line 2, column 2", "'abc' is not a finite number"] },
        { "not-finite", "1,2,0\n3,NaN,1\n", ["line 2, column 2", "'NaN'"] },
        { "empty-label", "1,2,0\n\n3,4, \n", ["line 3, column 3", "the label is empty"] },
        { "one-class", "1,2,a\n3,4,a\n", ["every example has the label 'a'"] },
        { "empty", "", ["no data rows (the file is empty)"] },
        { "blank-lines-only", "\n\n", ["no data rows"] },
        { "text-feature", "1,b,0\n1,2,0\n", ["line 1, column 2", "'b' is not a finite number"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Train_rejects_bad_csv_with_file_line_and_column(string name, string content, string[] expected)
    {
        string path = _temp.Write(name + ".csv", content);
        string model = _temp.File("never.hpcb");

        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--save", model);

        Assert.Equal(1, code);
        Assert.Contains(path, error, StringComparison.Ordinal);
        foreach (string part in expected)
        {
            Assert.Contains(part, error, StringComparison.Ordinal);
        }

        Assert.Equal("", output);
        Assert.False(File.Exists(model));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Theory]
    [InlineData("-1e308", "1e308", "span more than a double can hold")]   // max - min = inf
    [InlineData("0", "5e-324", "less than a double can invert")]          // 1 / (max - min) = inf
    public void A_column_a_double_cannot_scale_is_a_data_error(string low, string high, string expected)
    {
        string path = _temp.Write("wide.csv", $"{low},2,0\n{high},4,1\n0,5,0\n0,6,1\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--test-fraction", "0");
        Assert.Equal(1, code);
        Assert.Contains("column 1: values from", error, StringComparison.Ordinal);

        // The column is the file's, not the feature's: with the label first, the same values are in file column 2.
        string moved = _temp.Write("moved.csv", $"0,{low},2\n1,{high},4\n0,0,5\n1,0,6\n");
        (code, _, error) = CliRunner.Run("train", "--data", moved, "--test-fraction", "0", "--label-column", "0");
        Assert.Equal(1, code);
        Assert.Contains("column 2: values from", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void One_based_labels_become_classes_that_keep_their_names()
    {
        string path = _temp.Write("onebased.csv", "0,1,1\n1,0,2\n0,2,1\n2,0,2\n0,3,1\n3,0,2\n");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "5", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("warning:", error, StringComparison.Ordinal);
        Assert.Contains("2 classes", output, StringComparison.Ordinal);
        Assert.Contains("2-25-2", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_test_fraction_still_leaves_every_class_a_training_example()
    {
        // round(0.9 x 2) = 2 would move both members of each class to the test set and leave nothing to train on.
        string path = _temp.Write("pairs.csv", "0,1,0\n0,2,0\n1,0,1\n2,0,1\n");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "5", "--test-fraction", "0.9");
        Assert.True(code == 0, error);
        Assert.Contains("accuracy", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_only_file_with_header_declared_has_no_data_rows()
    {
        string path = _temp.Write("h.csv", "a,b,label\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--header");
        Assert.Equal(1, code);
        Assert.Contains("no data rows after the header", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_data_error()
    {
        (int code, _, string error) = CliRunner.Run("train", "--data", _temp.File("missing.csv"));
        Assert.Equal(1, code);
        Assert.Contains("missing.csv: cannot read the file", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_column_outside_the_file_is_a_usage_error()
    {
        string path = _temp.Write("ok.csv", "1,2,0\n3,4,1\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--label-column", "3");
        Assert.Equal(2, code);
        Assert.Contains("3 columns (0..2, or -1..-3 from the end)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_numbers_spaces_and_gzip_are_accepted()
    {
        string plain = string.Concat(Enumerable.Range(0, 40).Select(i => $"\"{i % 7}\", {i * 0.25} ,{i % 2}\n"));
        string path = _temp.File("q.csv.gz");
        using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
        {
            gz.Write(System.Text.Encoding.ASCII.GetBytes(plain));
        }

        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2");
        Assert.True(code == 0, error);
        Assert.Contains("40 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
    }
}
