using System.Globalization;
using HpcBackprop.Cli.CommandLine;

namespace HpcBackprop.Cli.Data;

/// <summary>Examples as raw features (m x n, row-major, unscaled) with optional integer class labels.</summary>
internal sealed class Dataset
{
    public Dataset(string source, int features, double[] rawFeatures, int[]? labels, int[] lines)
    {
        Source = source;
        Features = features;
        RawFeatures = rawFeatures;
        Labels = labels;
        Lines = lines;
    }

    public string Source { get; }

    public int Count => Lines.Length;

    public int Features { get; }

    public double[] RawFeatures { get; }

    public int[]? Labels { get; }

    /// <summary>The line each example came from, for messages.</summary>
    public int[] Lines { get; }

    /// <summary>K = the largest label + 1.</summary>
    public int ClassCount => Labels is null ? 0 : Labels.Max() + 1;

    /// <summary>Splits a table into features and the label column (0-based; negative counts from the end).</summary>
    /// <exception cref="DataException">A label is not a non-negative whole number.</exception>
    /// <exception cref="UsageException">The label column does not exist, or nothing is left for features.</exception>
    public static Dataset WithLabels(CsvTable table, int labelColumn)
    {
        int column = labelColumn < 0 ? table.Columns + labelColumn : labelColumn;
        if ((uint)column >= (uint)table.Columns)
        {
            throw new UsageException($"--label-column {labelColumn}: {table.Source} has {table.Columns} columns (0..{table.Columns - 1}).");
        }

        if (table.Columns < 2)
        {
            throw new DataException($"{table.Source}: 1 column, so no features besides the label.");
        }

        int n = table.Columns - 1;
        var features = new double[table.Rows * n];
        var labels = new int[table.Rows];
        for (int r = 0; r < table.Rows; r++)
        {
            ReadOnlySpan<double> row = table.Cells.AsSpan(r * table.Columns, table.Columns);
            double label = row[column];
            if (label < 0 || label != Math.Floor(label) || label > 1_000_000)
            {
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"{table.Source}, line {table.Lines[r]}, column {column + 1}: label {label} is not a class index (a whole number 0, 1, 2, ...)."));
            }

            labels[r] = (int)label;
            row[..column].CopyTo(features.AsSpan(r * n));
            row[(column + 1)..].CopyTo(features.AsSpan((r * n) + column));
        }

        return new Dataset(table.Source, n, features, labels, table.Lines);
    }

    /// <summary>A table that is all features.</summary>
    public static Dataset WithoutLabels(CsvTable table) => new(table.Source, table.Columns, table.Cells, null, table.Lines);

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

        return new Dataset(Source, Features, features, labels, lines);
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
                    $"{Source}, column {c + 1}: values from {min} to {max} span more than a double can hold, so they cannot be scaled to [0, 1]."));
            }

            if (max > min && double.IsInfinity(1 / (max - min)))
            {
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"{Source}, column {c + 1}: values from {min} to {max} differ by less than a double can invert, so they cannot be scaled to [0, 1]."));
            }

            offsets[c] = min;
            scales[c] = max > min ? 1 / (max - min) : 1;
        }

        return (offsets, scales);
    }
}
