using System.Globalization;
using System.IO.Compression;
using HpcBackprop.Cli.CommandLine;
using nietras.SeparatedValues;

namespace HpcBackprop.Cli.Data;

/// <summary>
/// A comma-separated file of numbers, read with Sep: every cell finite, every row the same width, at least one
/// row. Each row remembers its line number so later checks (labels) can point at the line too.
/// </summary>
internal sealed class CsvTable
{
    private CsvTable(string source, int columns, double[] cells, int[] lines)
    {
        Source = source;
        Columns = columns;
        Cells = cells;
        Lines = lines;
    }

    /// <summary>The file name (or the embedded resource's name) for messages.</summary>
    public string Source { get; }

    public int Rows => Lines.Length;

    public int Columns { get; }

    /// <summary>Rows x Columns, row-major.</summary>
    public double[] Cells { get; }

    /// <summary>The 1-based line each row starts on.</summary>
    public int[] Lines { get; }

    /// <summary>Reads a file; names ending in .gz are decompressed.</summary>
    /// <exception cref="DataException">The file is missing, empty, ragged or holds a cell that is not a finite number.</exception>
    public static CsvTable Load(string path, bool hasHeader)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }

        using (stream)
        {
            return Read(path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream, path, hasHeader);
        }
    }

    /// <summary>Reads CSV text from a stream (which is disposed).</summary>
    /// <exception cref="DataException">The data are empty, ragged or hold a cell that is not a finite number.</exception>
    public static CsvTable Read(Stream stream, string source, bool hasHeader)
    {
        using Stream owned = stream;
        var cells = new List<double>();
        var lines = new List<int>();
        int columns = -1, firstLine = 0;
        bool headerSkipped = false;
        try
        {
            // The column count check is ours, so a ragged row gets a message with both line numbers.
            using SepReader reader = Sep.New(',').Reader(o => o with { HasHeader = false, DisableColCountCheck = true, Unescape = true }).From(stream);
            int nextLine = 1; // Sep's LineNumberFrom is off for the first row without a header; the previous row's end is exact.
            foreach (SepReader.Row row in reader)
            {
                int line = nextLine;
                nextLine = row.LineNumberToExcl;
                if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty)
                {
                    continue; // a blank line carries no data
                }

                if (hasHeader && !headerSkipped)
                {
                    headerSkipped = true;
                    continue;
                }

                if (columns < 0)
                {
                    columns = row.ColCount;
                    firstLine = line;
                }
                else if (row.ColCount != columns)
                {
                    throw new DataException($"{source}, line {line}: {row.ColCount} columns, but line {firstLine} has {columns} (every row needs the same number of columns).");
                }

                for (int c = 0; c < row.ColCount; c++)
                {
                    ReadOnlySpan<char> text = row[c].Span.Trim();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                    {
                        string hint = lines.Count == 0 && !hasHeader ? " If the first line is a header, pass --header." : "";
                        throw new DataException($"{source}, line {line}, column {c + 1}: '{text}' is not a finite number.{hint}");
                    }

                    cells.Add(value);
                }

                lines.Add(line);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{source}: not readable as compressed data: {e.Message}");
        }

        if (lines.Count == 0)
        {
            throw new DataException(hasHeader && headerSkipped
                ? $"{source}: no data rows after the header."
                : $"{source}: no data rows (the file is empty).");
        }

        return new CsvTable(source, columns, [.. cells], [.. lines]);
    }
}
