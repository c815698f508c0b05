using System.Globalization;
using HpcBackprop.Cli.CommandLine;

namespace HpcBackprop.Cli.Data;

/// <summary>
/// Examples as raw features (m x n, row-major, unscaled) with optional class labels: class indices 0..K-1 into
/// <see cref="ClassNames"/>, the labels as the file spells them.
/// </summary>
internal sealed class Dataset
{
    public Dataset(string source, int features, double[] rawFeatures, int[]? labels, string[]? classNames, int[] lines, int labelColumn = -1)
    {
        Source = source;
        Features = features;
        RawFeatures = rawFeatures;
        Labels = labels;
        ClassNames = classNames;
        Lines = lines;
        LabelColumn = labelColumn;
    }

    public string Source { get; }

    public int Count => Lines.Length;

    public int Features { get; }

    public double[] RawFeatures { get; }

    /// <summary>Class indices into <see cref="ClassNames"/>, or null without labels.</summary>
    public int[]? Labels { get; }

    /// <summary>The K class names, class k being <c>ClassNames[k]</c>; null without labels.</summary>
    public string[]? ClassNames { get; }

    /// <summary>The line each example came from, for messages.</summary>
    public int[] Lines { get; }

    /// <summary>The 0-based file column that held the label, or -1.</summary>
    public int LabelColumn { get; }

    /// <summary>How the file was read, for the user to check: the header skipped and the delimiter; null for defaults.</summary>
    public string? Format { get; init; }

    /// <summary>K, the number of classes.</summary>
    public int ClassCount => ClassNames?.Length ?? 0;

    /// <summary>The 1-based file column of feature <paramref name="feature"/>, for messages.</summary>
    public int FileColumn(int feature) => (LabelColumn >= 0 && feature >= LabelColumn ? feature + 1 : feature) + 1 + (RowIndexDropped ? 1 : 0);

    /// <summary>True when the file had a row-index column, dropped (<see cref="CsvTable.RowIndexDropped"/>): file columns are one further on.</summary>
    public bool RowIndexDropped { get; init; }

    /// <summary>
    /// The key two spellings of one label share: a number's shortest round-trip form ("1.0" and "1" are one class),
    /// otherwise the text itself.
    /// </summary>
    /// <remarks>
    /// Only numbers of at most 15 significant digits, which a double holds exactly in decimal, are merged this way:
    /// longer ones (account numbers, codes) stay text, so two that differ only past a double's precision stay apart.
    /// </remarks>
    public static string ClassKey(string label)
        => SignificantDigits(label) <= 15
            && double.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? (value == 0 ? 0.0 : value).ToString("R", CultureInfo.InvariantCulture)
            : label;

    // The digits of the mantissa from the first nonzero one to the last nonzero one (before any exponent).
    private static int SignificantDigits(string text)
    {
        int first = -1, last = -1, position = 0;
        foreach (char ch in text)
        {
            if (ch is 'e' or 'E')
            {
                break;
            }

            if (ch is >= '0' and <= '9')
            {
                if (ch != '0')
                {
                    first = first < 0 ? position : first;
                    last = position;
                }

                position++;
            }
        }

        return first < 0 ? 1 : last - first + 1;
    }

    /// <summary>
    /// Labelled examples: the distinct labels become classes 0..K-1, in numeric order when every label is a number
    /// (so 0..9 stay 0..9 and 1..10 become 0..9), otherwise in ordinal text order; each class keeps the spelling
    /// it first had in the file.
    /// </summary>
    /// <exception cref="DataException">The table has no label column.</exception>
    public static Dataset WithLabels(CsvTable table)
    {
        string[] texts = table.Labels ?? throw new DataException($"{table.Source}: no label column.");
        var first = new Dictionary<string, string>(StringComparer.Ordinal); // key -> first spelling
        for (int r = 0; r < texts.Length; r++)
        {
            string text = texts[r];
            if (text.Length > Models.NetworkModel.MaxClassLabelLength || text.Any(char.IsControl))
            {
                string quote = text.Contains('"')
                    ? " A double quote inside a cell that does not start with one opens a quoted section that runs on to the next quote; write the cell quoted, its quotes doubled (\"10\"\" pizza\")."
                    : "";
                throw new DataException($"{table.Source}, line {table.Lines[r]}, column {table.FileColumnNumber(table.LabelColumn)}: a label must have at most {Models.NetworkModel.MaxClassLabelLength} characters and no control characters (tabs, line breaks); this one has {text.Length}.{quote}");
            }

            first.TryAdd(ClassKey(text), text);
        }

        bool numeric = first.Keys.All(k => double.TryParse(k, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        string[] keys = numeric
            ? [.. first.Keys.OrderBy(k => double.Parse(k, CultureInfo.InvariantCulture)).ThenBy(k => k, StringComparer.Ordinal)]
            : [.. first.Keys.Order(StringComparer.Ordinal)];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < keys.Length; k++)
        {
            index[keys[k]] = k;
        }

        int[] labels = [.. texts.Select(t => index[ClassKey(t)])];
        return new Dataset(table.Source, table.Features, table.Cells, labels, [.. keys.Select(k => first[k])], table.Lines, table.LabelColumn)
        {
            Format = table.Describe(),
            RowIndexDropped = table.RowIndexDropped,
        };
    }

    /// <summary>
    /// Labelled examples whose classes are given (a model's): each label must be one of <paramref name="classNames"/>
    /// (compared by <see cref="ClassKey"/>).
    /// </summary>
    /// <exception cref="DataException">A label is not one of the classes.</exception>
    public static Dataset WithLabels(CsvTable table, IReadOnlyList<string> classNames, string owner)
    {
        string[] texts = table.Labels ?? throw new DataException($"{table.Source}: no label column.");
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int k = 0; k < classNames.Count; k++)
        {
            index.TryAdd(ClassKey(classNames[k]), k);
        }

        var labels = new int[texts.Length];
        for (int r = 0; r < texts.Length; r++)
        {
            if (!index.TryGetValue(ClassKey(texts[r]), out labels[r]))
            {
                string known = string.Join(", ", classNames.Take(20)) + (classNames.Count > 20 ? ", ..." : "");
                throw new DataException($"{table.Source}, line {table.Lines[r]}, column {table.FileColumnNumber(table.LabelColumn)}: label '{texts[r]}' is not a class of {owner} ({known}).");
            }
        }

        return new Dataset(table.Source, table.Features, table.Cells, labels, [.. classNames], table.Lines, table.LabelColumn)
        {
            Format = table.Describe(labelHints: false),
            RowIndexDropped = table.RowIndexDropped,
        };
    }

    /// <summary>A table that is all features.</summary>
    public static Dataset WithoutLabels(CsvTable table) => new(table.Source, table.Features, table.Cells, null, null, table.Lines)
    {
        Format = table.Describe(labelHints: false),
        RowIndexDropped = table.RowIndexDropped,
    };

    /// <summary>The examples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(int[] indices)
    {
        var features = new double[indices.Length * Features];
        var labels = Labels is null ? null : new int[indices.Length];
        var lines = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            RawFeatures.AsSpan(indices[i] * Features, Features).CopyTo(features.AsSpan(i * Features));
            labels?[i] = Labels![indices[i]];
            lines[i] = Lines[indices[i]];
        }

        return new Dataset(Source, Features, features, labels, ClassNames, lines, LabelColumn)
        {
            Format = Format,
            RowIndexDropped = RowIndexDropped,
        };
    }

    /// <summary>
    /// A seeded stratified split: each class is shuffled and its first min(round(fraction x count), count - 1)
    /// examples go to the test set, so both sets keep the class proportions and every class keeps at least one
    /// training example (a class with one example stays in training).
    /// </summary>
    public (int[] Train, int[] Test) StratifiedSplit(double testFraction, ulong seed)
    {
        int[] labels = Labels ?? throw new InvalidOperationException("A split needs labels.");
        var train = new List<int>();
        var test = new List<int>();
        ulong state = seed;
        foreach (IGrouping<int, int> group in Enumerable.Range(0, Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] members = [.. group];
            for (int i = members.Length - 1; i > 0; i--)
            {
                int j = (int)(SplitMix64.Next(ref state) % (ulong)(i + 1));
                (members[i], members[j]) = (members[j], members[i]);
            }

            // Every class keeps at least one training example, whatever the fraction (round(0.9 x 2) would be 2).
            int testCount = members.Length < 2 ? 0 : Math.Min((int)Math.Round(testFraction * members.Length), members.Length - 1);
            test.AddRange(members.Take(testCount));
            train.AddRange(members.Skip(testCount));
        }

        train.Sort();
        test.Sort();
        return ([.. train], [.. test]);
    }

    /// <summary>Per-column min-max scaling to [0, 1]: offset = min, scale = 1 / (max - min), or 1 for a constant column.</summary>
    public (double[] Offsets, double[] Scales) MinMaxScaling()
    {
        var offsets = new double[Features];
        var scales = new double[Features];
        for (int c = 0; c < Features; c++)
        {
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            for (int r = 0; r < Count; r++)
            {
                double x = RawFeatures[(r * Features) + c];
                min = Math.Min(min, x);
                max = Math.Max(max, x);
            }

            if (double.IsInfinity(max - min))
            {
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"{Source}, column {FileColumn(c)}: values from {min} to {max} span more than a double can hold, so they cannot be scaled to [0, 1]."));
            }

            if (max > min && double.IsInfinity(1 / (max - min)))
            {
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"{Source}, column {FileColumn(c)}: values from {min} to {max} differ by less than a double can invert, so they cannot be scaled to [0, 1]."));
            }

            offsets[c] = min;
            scales[c] = max > min ? 1 / (max - min) : 1;
        }

        return (offsets, scales);
    }
}
