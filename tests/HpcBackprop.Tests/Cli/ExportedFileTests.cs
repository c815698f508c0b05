using System.Globalization;
using System.Text;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Cli;

/// <summary>
/// Files as other tools write them (pandas with its index, R's write.csv, spreadsheets in Latin-1, cells quoted after
/// a space) and the mistakes around them: each is read as its writer meant or refused with a message that says why;
/// none trains or predicts on a misread table with exit code 0.
/// </summary>
[Trait("Category", "Cli")]
public sealed class ExportedFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private string[] Predictions(string model, string data)
    {
        (int code, string output, string error) = CliRunner.Run("predict", "--model", model, "--data", data);
        Assert.True(code == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// pandas' to_csv with its index and R's write.csv with row names: the unnamed first column is dropped (it was
    /// read as a feature under --header before, or refused), for train and for predict, with the label column counted
    /// after it.
    /// </summary>
    [Fact]
    public void An_unnamed_first_column_under_a_header_is_a_row_index_and_dropped()
    {
        var rows = LabelAndFormatTests.Clusters();
        string pandas = _temp.Write("pandas.csv", ",x,y,species\n" + string.Concat(rows.Select((r, i) => $"{i},{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("p.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", pandas, "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("unnamed first column dropped as a row index; header skipped (x, y, species)", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));
        Assert.Equal(2, ModelFile.Load(model).LabelColumn); // counted after the index

        // R: quoted names, row names "1".."60" (any text: they are not read); the label first, named.
        string r = _temp.Write("r.csv", "\"\",\"species\",\"x\",\"y\"\n" + string.Concat(rows.Select((row, i) => $"\"{i + 1}\",\"{row.Label}\",{R(row.X)},{R(row.Y)}\n")));
        (code, output, error) = CliRunner.Run("train", "--data", r, "--label-column", "species", "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));

        // predict: the same file, features only with an index, and features only without one give the same classes.
        string[] expected = [.. rows.Select(row => row.Label)];
        Assert.Equal(expected, Predictions(model, pandas));
        string featuresIndexed = _temp.Write("fi.csv", ",x,y\n" + string.Concat(rows.Select((row, i) => $"{i},{R(row.X)},{R(row.Y)}\n")));
        Assert.Equal(expected, Predictions(model, featuresIndexed));
        string features = _temp.Write("f.csv", string.Concat(rows.Select(row => $"{R(row.X)},{R(row.Y)}\n")));
        Assert.Equal(expected, Predictions(model, features));

        // A first line with an empty first cell that is no header is data, and its empty cell an error.
        string empty = _temp.Write("empty.csv", ",1,2,a\n3,4,5,b\n");
        (code, _, error) = CliRunner.Run("train", "--data", empty, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 1, column 1: '' is not a finite number", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// R's write.table writes its header one cell short (the row names have none), with spaces or commas: the first
    /// column is the row index, dropped; predict reads the same layout. A later ragged row is still an error.
    /// </summary>
    [Theory]
    [InlineData(" ")]
    [InlineData(",")]
    public void A_header_one_cell_short_of_the_data_leaves_a_row_index(string separator)
    {
        var rows = LabelAndFormatTests.Clusters();
        string path = _temp.Write("r.txt", $"\"x\"{separator}\"y\"{separator}\"species\"\n"
            + string.Concat(rows.Select((r, i) => $"\"{i + 1}\"{separator}{R(r.X)}{separator}{R(r.Y)}{separator}\"{r.Label}\"\n")));
        string model = _temp.File("r.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("unnamed first column dropped as a row index; header skipped (x, y, species)", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));
        Assert.Equal([.. rows.Select(r => r.Label)], Predictions(model, path));

        string ragged = _temp.Write("ragged.csv", "x,y,species\n0.5,0.7,a\n0.1,0.2,b,c\n");
        (code, _, error) = CliRunner.Run("train", "--data", ragged, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 3: 4 columns, but line 1 has 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Latin1_text_is_refused_rather_than_merging_labels_that_differ_in_an_accented_letter()
    {
        string path = _temp.File("latin1.csv");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes("1,2,caf\u00e9\n3,4,caf\u00e8\n5,6,caf\u00e9\n7,8,caf\u00e8\n2,1,tea\n4,3,tea\n"));
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("not UTF-8 text", error, StringComparison.Ordinal);
        Assert.Contains("E9", error, StringComparison.Ordinal);

        // The same labels in UTF-8 are three classes.
        string utf8 = _temp.Write("utf8.csv", "1,2,caf\u00e9\n3,4,caf\u00e8\n5,6,caf\u00e9\n7,8,caf\u00e8\n2,1,tea\n4,3,tea\n");
        (code, string output, error) = CliRunner.Run("train", "--data", utf8, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("6 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_cells_after_a_space_are_unquoted()
    {
        var rows = LabelAndFormatTests.Clusters();
        string path = _temp.Write("spaced.csv", "\"a\", \"b\", \"species\"\n" + string.Concat(rows.Select(r => $"{R(r.X)}, \"{R(r.Y)}\", \"{r.Label}\"\n")));
        string model = _temp.File("s.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--label-column", "species", "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Equal(["setosa", "versicolor", "virginica"], ModelFile.Load(model).ClassLabels);

        // Quoted and unquoted spellings of a label are one class.
        string mixed = _temp.Write("mixed.csv", "1,2, \"x\"\n3,4, \"y\"\n5,6,x\n7,8,y\n");
        (code, output, error) = CliRunner.Run("train", "--data", mixed, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// gzip data cut short (anywhere: mid-stream, at its trailer) is an error for train and predict, where .NET's
    /// GZipStream decompressed what was there without one; several members and zero padding after them still read.
    /// </summary>
    [Fact]
    public void Gzip_data_cut_short_is_an_error_and_several_members_still_read()
    {
        var rows = LabelAndFormatTests.Clusters();
        string text = string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n"));
        byte[] whole = Gzip(text);
        string complete = _temp.File("whole.gz");
        File.WriteAllBytes(complete, whole);
        string model = _temp.File("g.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", complete, "--iterations", "5", "--save", model);
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);

        foreach (int cut in new[] { whole.Length / 2, whole.Length - 8, whole.Length - 1 })
        {
            string truncated = _temp.File($"cut{cut}.gz");
            File.WriteAllBytes(truncated, whole[..cut]);
            (code, _, error) = CliRunner.Run("train", "--data", truncated, "--iterations", "2");
            Assert.Equal(1, code);
            Assert.Contains("the gzip data ends early or is damaged", error, StringComparison.Ordinal);
            (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", truncated);
            Assert.Equal(1, code);
            Assert.Contains("the gzip data ends early or is damaged", error, StringComparison.Ordinal);
        }

        // Two members (as `cat a.gz b.gz` makes) and zero padding after the last.
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        byte[] two = [.. Gzip(string.Concat(lines[..25].Select(l => l + "\n"))), .. Gzip(string.Concat(lines[25..].Select(l => l + "\n"))), 0, 0, 0, 0];
        string members = _temp.File("two.gz");
        File.WriteAllBytes(members, two);
        (code, output, error) = CliRunner.Run("train", "--data", members, "--iterations", "5");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Directories_given_as_files_and_splits_that_hold_out_nothing_are_said_as_such()
    {
        (int code, _, string error) = CliRunner.Run("train", "--data", _temp.Path, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("a directory, not a file", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("predict", "--model", _temp.Path);
        Assert.Equal(1, code);
        Assert.Contains("is a directory, not a file", error, StringComparison.Ordinal);

        var rows = LabelAndFormatTests.Clusters();
        string data = _temp.Write("d.csv", string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        (code, string output, error) = CliRunner.Run("train", "--data", data, "--iterations", "2", "--test-fraction", "0.01");
        Assert.True(code == 0, error);
        Assert.Contains("each class gives up --test-fraction 0.01 x its size, rounded, and that is 0 for every class", output, StringComparison.Ordinal);

        string single = _temp.Write("one.csv", "1,2,a\n3,4,b\n");
        (code, output, error) = CliRunner.Run("train", "--data", single, "--iterations", "2", "--test-fraction", "0.5");
        Assert.True(code == 0, error);
        Assert.Contains("every class has one example, kept for training", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_that_reads_like_a_missing_value_is_pointed_out()
    {
        string path = _temp.Write("na.csv", "a,b,y\n1,2,x\n3,4,NA\n5,6,y\n7,8,x\n2,2,?\n4,4,NA\n");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("label 'NA' (2 rows) is a class here, though it reads like a missing value", output, StringComparison.Ordinal);
        Assert.Contains("label '?' (1 row) is a class here", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A spreadsheet's CSV in a locale whose decimal separator is the comma: semicolons between cells, "0,471" and
    /// "1.234,5" in them; read with or without a header (a first line of such numbers is no header), and predicted.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Semicolons_with_decimal_commas_are_read_as_numbers(bool header)
    {
        var rows = LabelAndFormatTests.Clusters();
        string Comma(double v) => (v * 1000).ToString("#,##0.######", CultureInfo.InvariantCulture).Replace(",", "\u0001", StringComparison.Ordinal).Replace(".", ",", StringComparison.Ordinal).Replace("\u0001", ".", StringComparison.Ordinal);
        string text = (header ? "x;y;species\n" : "") + string.Concat(rows.Select(r => $"{Comma(r.X)};{Comma(r.Y)};{r.Label}\n"));
        Assert.Matches(@"\d\.\d{3},", text); // thousands separators occur ("4.460,79")
        string path = _temp.Write("excel.csv", text);
        string model = _temp.File("e.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--save", model, "--lambda", "0.01", "--iterations", "200");
        Assert.True(code == 0, error);
        Assert.Contains("60 examples, 2 features, 3 classes", output, StringComparison.Ordinal);
        Assert.Contains("delimiter ';'; decimal comma", output, StringComparison.Ordinal);
        Assert.Equal(100.0, CliRunner.Accuracy(output, "test"));
        Assert.Equal([.. rows.Select(r => r.Label)], Predictions(model, path));

        // Commas in the header's names or in labels do not outvote the numbers' decimal commas.
        string names = _temp.Write("names.csv", "L\u00e4nge, cm;Breite, cm;Art\n5,1;3,5;a\n4,9;3,0;b\n");
        (code, output, error) = CliRunner.Run("train", "--data", names, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("2 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
        string people = _temp.Write("people.csv", "0,5;0,3;Smith, J\n0,1;0,2;Doe, A\n");
        (code, output, error) = CliRunner.Run("train", "--data", people, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("delimiter ';'; decimal comma", output, StringComparison.Ordinal);

        // Tabs between numbers with decimal commas.
        string tabs = _temp.Write("tabs.tsv", "0,5\t0,3\ta\n0,1\t0,2\tb\n0,5\t0,3\ta\n");
        (code, output, error) = CliRunner.Run("train", "--data", tabs, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("3 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
        Assert.Contains("delimiter '\\t'; decimal comma", output, StringComparison.Ordinal);

        // Commas between cells and a semicolon inside a label keep the comma.
        string plain = _temp.Write("plain.csv", "1,2,a;b\n3,4,c\n1,2,a;b\n3,4,c\n");
        (code, output, error) = CliRunner.Run("train", "--data", plain, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
    }

    /// <summary>From a review of the reader: a data line with an empty first cell stays data for predict and for a label
    /// column given by index; file columns in messages count a dropped row index; hints stay where they apply.</summary>
    [Fact]
    public void Row_index_edges_messages_and_hints()
    {
        var rows = LabelAndFormatTests.Clusters();
        string train = _temp.Write("t.csv", string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("m.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--iterations", "5");
        Assert.True(code == 0, error);

        // An empty first cell on a line that is no header: the empty cell is the error, for predict and for train.
        string emptyFirst = _temp.Write("ef.csv", ",0.5\n0.1,0.2\n");
        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", emptyFirst);
        Assert.Equal(1, code);
        Assert.Contains("line 1, column 1: '' is not a finite number", error, StringComparison.Ordinal);
        string emptyFirstLabelled = _temp.Write("efl.csv", ",0.2,0.3,a\n1,2,3,b\n4,5,6,a\n");
        (code, _, error) = CliRunner.Run("train", "--data", emptyFirstLabelled, "--label-column", "3", "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 1, column 1: '' is not a finite number", error, StringComparison.Ordinal);

        // With a row index, messages name the file's columns: the label is in column 4.
        string indexed = _temp.Write("idx.csv", ",x,y,species\n0,1,2,setosa\n1,3,4,zzz\n");
        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", indexed);
        Assert.Equal(1, code);
        Assert.Contains("line 3, column 4: label 'zzz' is not a class", error, StringComparison.Ordinal);

        // The one-off label hint is train's, and not with --no-header.
        string oneOff = _temp.Write("oneoff.csv", "1,2,setosa\n3,4,virginica\n3,4,virginica\n");
        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", oneOff);
        Assert.True(code == 0, error);
        Assert.DoesNotContain("on no other line", error, StringComparison.Ordinal);
        (code, output, error) = CliRunner.Run("train", "--data", oneOff, "--no-header", "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("on no other line", output, StringComparison.Ordinal);

        // A message quoting a cell with a line break is not cut at it.
        string newline = _temp.Write("nl.csv", "0.1,\"1\n2\",a\n0.2,0.3,b\n");
        (code, _, error) = CliRunner.Run("train", "--data", newline, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("2' is not a finite number", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_semicolon_file_keeps_one_decimal_convention_and_an_empty_gzip_member_reads()
    {
        // The first number with a separator is written with a point: "1,028" is then an error, not 1.028.
        string points = _temp.Write("points.csv", "0.5;7;a\n1,028;3;b\n0.25;1;a\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", points, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("line 2, column 1: '1,028' is not a finite number", error, StringComparison.Ordinal);
        Assert.Contains("read with a decimal point", error, StringComparison.Ordinal);

        // An empty member before another, as gzip writes it (`: | gzip -n`): deflate data 03 00 and a trailer of zeros,
        // so eight zero bytes first occur one byte before the trailer.
        byte[] empty = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] both = [.. empty, .. Gzip("1,2,a\n3,4,b\n1,2,a\n3,4,b\n")];
        string gz = _temp.File("empty-first.gz");
        File.WriteAllBytes(gz, both);
        (code, string output, error) = CliRunner.Run("train", "--data", gz, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("4 examples, 2 features, 2 classes", output, StringComparison.Ordinal);
    }

    /// <summary>predict --scores: a header of class names, then per example the predicted class and its K outputs, which
    /// are the library's Forward on the model's scaled features (bit for bit, printed round-trip) and whose largest is
    /// the predicted class.</summary>
    [Fact]
    public void Predict_scores_are_the_forward_pass_outputs()
    {
        var rows = LabelAndFormatTests.Clusters();
        string train = _temp.Write("t.csv", "x,y,\"species, latin\"\n" + string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("m.hpcb");
        (int code, _, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--iterations", "30");
        Assert.True(code == 0, error);

        (code, string output, error) = CliRunner.Run("predict", "--model", model, "--data", train, "--scores");
        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("predicted,setosa,versicolor,virginica", lines[0]);
        Assert.Equal(rows.Length + 1, lines.Length);

        NetworkModel saved = ModelFile.Load(model);
        double[] raw = [.. rows.SelectMany(r => new[] { r.X, r.Y })];
        var x = new double[raw.Length];
        saved.NormalizeFeatures<double>(raw, x);
        var h = new double[rows.Length * 3];
        Backpropagation.Forward<double>(saved.Layout, saved.GetParameters<double>(), x, h);
        for (int i = 0; i < rows.Length; i++)
        {
            string[] cells = lines[i + 1].Split(',');
            double[] scores = [.. cells[1..].Select(c => double.Parse(c, CultureInfo.InvariantCulture))];
            Assert.Equal(h.AsSpan(i * 3, 3).ToArray(), scores);
            Assert.Equal(saved.ClassLabel(Array.IndexOf(scores, scores.Max())), cells[0]);
        }

        // Class names that need quoting in a CSV cell are quoted.
        string quoted = _temp.Write("q.csv", "1,2,\"a, b\"\n3,4,c\n1,2,\"a, b\"\n3,4,c\n");
        string quotedModel = _temp.File("q.hpcb");
        (code, _, error) = CliRunner.Run("train", "--data", quoted, "--save", quotedModel, "--iterations", "5", "--test-fraction", "0");
        Assert.True(code == 0, error);
        (code, output, error) = CliRunner.Run("predict", "--model", quotedModel, "--data", quoted, "--scores");
        Assert.True(code == 0, error);
        Assert.StartsWith("predicted,\"a, b\",c\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_column_name_given_twice_in_the_header_is_a_usage_error()
    {
        string path = _temp.Write("dup.csv", "x1,x2,label,label\n1,2,5,0\n3,4,6,1\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--label-column", "label", "--iterations", "2");
        Assert.Equal(2, code);
        Assert.Contains("several columns of that name (2, 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_double_quote_inside_an_unquoted_label_is_named_in_the_message()
    {
        string path = _temp.Write("inch.csv", "a,b,y\n1,2,10\" pizza\n3,4,12\" pizza\n5,6,10\" pizza\n");
        (int code, _, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2");
        Assert.Equal(1, code);
        Assert.Contains("A double quote inside a cell that does not start with one", error, StringComparison.Ordinal);
    }

    /// <summary>A header of numeric feature names (wavelengths) reads as data; the read line says its label is on no other line.</summary>
    [Fact]
    public void A_first_line_whose_label_is_on_no_other_line_is_pointed_out()
    {
        var random = new Random(9);
        var text = new StringBuilder("400,410,420,species\n");
        for (int i = 0; i < 20; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{R(random.NextDouble())},{R(random.NextDouble())},{R(random.NextDouble())},{(i % 2 == 0 ? "a" : "b")}\n");
        }

        string path = _temp.Write("spectra.csv", text.ToString());
        (int code, string output, string error) = CliRunner.Run("train", "--data", path, "--iterations", "2", "--test-fraction", "0");
        Assert.True(code == 0, error);
        Assert.Contains("line 1's label 'species' is on no other line: if line 1 is a header, pass --header", output, StringComparison.Ordinal);

        (code, output, error) = CliRunner.Run("train", "--data", path, "--iterations", "2", "--test-fraction", "0", "--header");
        Assert.True(code == 0, error);
        Assert.Contains("20 examples, 3 features, 2 classes", output, StringComparison.Ordinal);
        Assert.DoesNotContain("on no other line", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_names_a_wrong_column_count_and_a_value_its_precision_cannot_scale_and_prints_what_it_read()
    {
        var rows = LabelAndFormatTests.Clusters();
        string train = _temp.Write("t.csv", "x,y,species\n" + string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("f.hpcb");
        (int code, _, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--precision", "float", "--iterations", "20");
        Assert.True(code == 0, error);

        string wide = _temp.Write("wide.csv", "1,2,3,setosa\n4,5,6,virginica\n");
        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", wide);
        Assert.Equal(1, code);
        Assert.Contains("4 columns, but the model 2-25-3 takes 2 features (2 columns, or 3 with a label column)", error, StringComparison.Ordinal);

        string huge = _temp.Write("huge.csv", "1,2\n1e40,1\n");
        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", huge);
        Assert.Equal(1, code);
        Assert.Contains("line 2, column 1: 1E+40 scales to", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", train);
        Assert.True(code == 0, error);
        Assert.Contains("read      header skipped (x, y, species)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_files_in_a_missing_directory_or_naming_a_directory_are_usage_errors_for_every_command()
    {
        var rows = LabelAndFormatTests.Clusters();
        string train = _temp.Write("t.csv", string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("m.hpcb");
        (int code, _, string error) = CliRunner.Run("train", "--data", train, "--save", model, "--iterations", "5");
        Assert.True(code == 0, error);
        string missing = Path.Combine(_temp.Path, "no-such-directory", "out");

        (code, _, error) = CliRunner.Run("predict", "--model", model, "--data", train, "--output", missing);
        Assert.Equal(2, code);
        Assert.Contains("--output", error, StringComparison.Ordinal);
        Assert.Contains("the directory does not exist", error, StringComparison.Ordinal);

        (code, _, error) = CliRunner.Run("export-npy", "--model", model, "--output", _temp.Path);
        Assert.Equal(2, code);
        Assert.Contains("must name a file", error, StringComparison.Ordinal);

        string npy = _temp.File("p.npy");
        (code, _, error) = CliRunner.Run("export-npy", "--model", model, "--output", npy);
        Assert.True(code == 0, error);
        (code, _, error) = CliRunner.Run("import-npy", "--model", model, "--npy", npy, "--output", missing);
        Assert.Equal(2, code);
        Assert.Contains("the directory does not exist", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public void A_lambda_whose_initial_cost_overflows_is_an_error_before_training()
    {
        // 15,002 weights over 2 examples: lambda/(2m) sum theta^2 passes float's 3.4e38 at lambda = 3e38.
        string tiny = _temp.Write("tiny.csv", "1,2,a\n3,4,b\n");
        (int code, string output, string error) = CliRunner.Run(
            "train", "--data", tiny, "--lambda", "3e38", "--precision", "float", "--layers", "2,3000,2", "--test-fraction", "0", "--iterations", "2");
        Assert.Equal(1, code); // as a lambda that overflows float itself (docs/cli.md, exit codes)
        Assert.Contains("--lambda 3E+38: the cost at the initial weights overflows float", error, StringComparison.Ordinal);
        Assert.DoesNotContain("stopped", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cg")]
    [InlineData("lbfgs")]
    [InlineData("sgd")]
    public void A_lambda_that_overflows_the_cost_is_an_error_naming_lambda_not_a_model_of_infinite_cost(string optimizer)
    {
        var rows = LabelAndFormatTests.Clusters();
        string train = _temp.Write("t.csv", string.Concat(rows.Select(r => $"{R(r.X)},{R(r.Y)},{r.Label}\n")));
        string model = _temp.File("inf.hpcb");
        (int code, string output, string error) = CliRunner.Run("train", "--data", train, "--lambda", "1e308", "--optimizer", optimizer, "--iterations", "10", "--save", model);
        Assert.NotEqual(0, code);
        Assert.Contains("--lambda", error, StringComparison.Ordinal);
        Assert.False(File.Exists(model));
        Assert.DoesNotContain("cost Infinity", output, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", error, StringComparison.Ordinal);
    }
}
