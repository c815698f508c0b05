using System.Globalization;
using System.IO.Compression;
using HpcBackprop.Cli.CommandLine;
using nietras.SeparatedValues;

namespace HpcBackprop.Cli.Data;

/// <summary>Which column holds the label: an index (negative counts from the end) or a header name.</summary>
internal readonly record struct LabelColumn(int Index, string? Name = null)
{
    /// <summary>The last column, the default.</summary>
    public static LabelColumn Last => new(-1);

    /// <summary>An index ("0", "-1") or a header name.</summary>
    public static LabelColumn Parse(string text)
        => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int index) ? new(index) : new(0, text.Trim());

    public override string ToString() => Name ?? Index.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Whether a file's first line is a header.</summary>
internal enum HeaderRule
{
    /// <summary>Decided from the first line (<see cref="CsvTable.Read"/>).</summary>
    Detect,

    /// <summary>The first line is a header.</summary>
    First,

    /// <summary>The first line is data.</summary>
    None,
}

/// <summary>
/// A delimited text file of numeric features and, optionally, one label column of any text, read with Sep:
/// every feature cell finite, every row the same width, at least one row. The delimiter (comma, semicolon, tab
/// or bar) is detected from the first line, gzip from its magic bytes, and a first line whose feature cells are
/// all non-numeric, or are the column numbers, is taken as a header. Each row remembers its line number for messages.
/// </summary>
internal sealed class CsvTable
{
    private static readonly char[] Delimiters = [',', ';', '\t', '|'];

    private static readonly NumberFormatInfo CommaFormat = new() { NumberDecimalSeparator = ",", NumberGroupSeparator = "." };

    /// <summary>A number as written in the invariant culture ("3.14", "1e-3").</summary>
    private static bool TryNumber(ReadOnlySpan<char> text, out double value)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>A number written with a decimal comma and optional thousands points ("3,14", "1.234,5").</summary>
    private static bool TryCommaNumber(ReadOnlySpan<char> text, out double value)
        => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CommaFormat, out value);

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true); // the identifier: a BOM is skipped as its preamble

    // The delimiter of a file whose first line has none of those but cells apart by spaces: runs of spaces and tabs.
    private const char Whitespace = ' ';

    private CsvTable(string source, int columns, int labelColumn, double[] cells, string[]? labels, int[] lines, string[]? header, char delimiter, bool trailingDelimiter, bool rowIndexDropped)
    {
        RowIndexDropped = rowIndexDropped;
        TrailingDelimiter = trailingDelimiter;
        Source = source;
        Columns = columns;
        LabelColumn = labelColumn;
        Cells = cells;
        Labels = labels;
        Lines = lines;
        Header = header;
        Delimiter = delimiter;
    }

    /// <summary>The file name (or the embedded resource's name) for messages.</summary>
    public string Source { get; }

    public int Rows => Lines.Length;

    /// <summary>Columns of the file, the label column included.</summary>
    public int Columns { get; }

    /// <summary>The 0-based label column, or -1 when the table has none.</summary>
    public int LabelColumn { get; }

    /// <summary>Feature columns: <see cref="Columns"/> without the label column.</summary>
    public int Features => LabelColumn < 0 ? Columns : Columns - 1;

    /// <summary>Rows x <see cref="Features"/> feature values, row-major, in file order without the label column.</summary>
    public double[] Cells { get; }

    /// <summary>The label column's text per row (trimmed), or null without a label column.</summary>
    public string[]? Labels { get; }

    /// <summary>The 1-based line each row starts on.</summary>
    public int[] Lines { get; }

    /// <summary>The 1-based column of the file that holds table column <paramref name="column"/> (0-based), for messages.</summary>
    public int FileColumnNumber(int column) => column + 1 + (RowIndexDropped ? 1 : 0);

    /// <summary>How the first line was to be taken (--header, --no-header or detected).</summary>
    public HeaderRule Rule { get; private init; }

    /// <summary>True when some feature was read with a decimal comma (a file separated by semicolons or tabs, "3,14").</summary>
    public bool DecimalComma { get; private init; }

    /// <summary>The header line's cells, or null when the file has none.</summary>
    public string[]? Header { get; }

    public char Delimiter { get; }

    /// <summary>True when the first line ends with a delimiter (an empty last cell), which is then read as no column on every line.</summary>
    public bool TrailingDelimiter { get; }

    /// <summary>
    /// True when the file's first column had no name in its header, as pandas (<c>to_csv</c> with its index) and R
    /// (<c>write.csv</c> with row names) write a row index: that column was dropped, and <see cref="Columns"/>,
    /// <see cref="LabelColumn"/> and <see cref="Header"/> count the columns after it.
    /// </summary>
    public bool RowIndexDropped { get; }

    /// <summary>
    /// What was detected, when it is not the plain default (comma, no header): "header skipped (a, b, ...);
    /// delimiter ';'" and the label column; null otherwise.
    /// </summary>
    /// <param name="labelHints">Also point at labels that look misread (a first line's label on no other line, a
    /// missing-value mark): for training, where they become classes; predict checks labels against the model's classes.</param>
    public string? Describe(bool labelHints = true)
    {
        var parts = new List<string>();
        if (RowIndexDropped)
        {
            parts.Add("unnamed first column dropped as a row index");
        }

        if (Header is not null)
        {
            parts.Add($"header skipped ({string.Join(", ", Header.Take(8))}{(Header.Length > 8 ? ", ..." : "")})");
        }

        if (Delimiter != ',')
        {
            parts.Add(Delimiter == Whitespace ? "delimiter whitespace" : $"delimiter '{Show(Delimiter)}'");
        }

        if (TrailingDelimiter)
        {
            parts.Add("trailing delimiter ignored");
        }

        if (DecimalComma)
        {
            parts.Add("decimal comma");
        }

        if (LabelColumn >= 0 && LabelColumn != Columns - 1)
        {
            parts.Add($"label in column {FileColumnNumber(LabelColumn)} (--label-column {LabelColumn})");
        }

        // A header whose feature names are numbers (wavelengths, years) reads as a data line whose label names the
        // label column: a class with that one example, when every other class has several.
        if (labelHints && Rule == HeaderRule.Detect && Header is null && Labels is { Length: > 2 } labels)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (string label in labels)
            {
                counts[label] = counts.GetValueOrDefault(label) + 1;
            }

            if (counts[labels[0]] == 1 && counts.Count > 1 && counts.Values.Count(n => n == 1) == 1)
            {
                parts.Add($"line {Lines[0]}'s label '{labels[0]}' is on no other line: if line {Lines[0]} is a header, pass --header");
            }
        }

        // A missing-value mark is an error in a feature cell; as a label it is a class of its own, which may be meant
        // ("NA" for North America) or not.
        if (labelHints && Labels is { } all)
        {
            foreach (IGrouping<string, string> missing in all.Where(MissingMarks.Contains).GroupBy(l => l, StringComparer.Ordinal).Take(3))
            {
                parts.Add($"label '{missing.Key}' ({missing.Count()} {(missing.Count() == 1 ? "row" : "rows")}) is a class here, though it reads like a missing value");
            }
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>Reads a file; gzip data (by its magic bytes) are decompressed.</summary>
    /// <param name="path">The file.</param>
    /// <param name="header">Whether the first line is a header; <see cref="HeaderRule.Detect"/>: see <see cref="LooksLikeHeader"/>.</param>
    /// <param name="labelFor">The label column for a file of the given column count, or null for none.</param>
    /// <exception cref="DataException">The file is missing, empty, ragged or holds a feature that is not a finite number.</exception>
    /// <exception cref="UsageException">The label column does not exist in the file.</exception>
    public static CsvTable Load(string path, HeaderRule header, Func<int, LabelColumn?> labelFor)
    {
        if (Directory.Exists(path))
        {
            throw new DataException($"{path}: a directory, not a file.");
        }

        Stream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }

        // The first two bytes are read once and handed back in front of the rest, so a pipe (which cannot seek)
        // works as well as a file.
        var magic = new byte[2];
        int read;
        try
        {
            read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        }
        catch (IOException e)
        {
            stream.Dispose();
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }

        Stream whole = new PrefixedStream(magic.AsMemory(0, read), stream);
        bool gzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        if (!gzip)
        {
            return Read(whole, path, header, labelFor);
        }

        MemoryStream text;
        try
        {
            using (whole)
            {
                text = GzipMembers.Decompress(whole, path);
            }
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{path}: not readable as compressed data: {e.Message}");
        }
        catch (IOException e)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }

        return Read(text, path, header, labelFor);
    }

    /// <summary>Reads delimited text from a stream (which is disposed); see <see cref="Load"/>.</summary>
    public static CsvTable Read(Stream stream, string source, HeaderRule headerRule, Func<int, LabelColumn?> labelFor)
    {
        // Strict UTF-8 (a byte-order mark may still say UTF-16 or UTF-32): bytes of another encoding (Latin-1, as some
        // spreadsheets save) would each decode to U+FFFD, and labels that differ only there would become one class.
        using var text = new StreamReader(stream, StrictUtf8, detectEncodingFromByteOrderMarks: true);
        var cells = new List<double>();
        var labels = new List<string>();
        var lines = new List<int>();
        int columns = -1, labelColumn = -1, firstLine = 0;
        int skip = 0; // 1 when the first column is a row index, dropped
        bool trailing = false, decimalComma = false, decimalPoint = false; // decimalComma, decimalPoint: see the cells' loop
        string[]? header = null;
        string[] firstCells = [];
        char delimiter = ',';
        try
        {
            (string prefix, delimiter) = DetectDelimiter(text);
            using TextReader replay = delimiter == Whitespace
                ? new WhitespaceColumns(new ReplayTextReader(prefix, text))
                : new ReplayTextReader(prefix, text);
            // The column count check is ours, so a ragged row gets a message with both line numbers.
            using SepReader reader = Sep.New(delimiter == Whitespace ? '\t' : delimiter)
                .Reader(o => o with { HasHeader = false, DisableColCountCheck = true, Unescape = true, Trim = SepTrim.Outer }).From(replay);
            int nextLine = 1; // Sep's LineNumberFrom is off for the first row without a header; the previous row's end is exact.
            foreach (SepReader.Row row in reader)
            {
                int line = nextLine;
                nextLine = row.LineNumberToExcl;
                if (row.ColCount == 1 && row[0].Span.Trim().IsEmpty)
                {
                    continue; // a blank line carries no data
                }

                // A line ending with the delimiter (as some exporters write every line) has an empty last cell: when
                // the first line has one, it is no column, on that line and on every other that has it. Unless the
                // first line is a header and the first data line has a value there: then it was an unnamed column.
                if (trailing && header is not null && lines.Count == 0 && row.ColCount == columns + 1 && !row[columns].Span.Trim().IsEmpty)
                {
                    trailing = false;
                    columns = row.ColCount;
                    header = firstCells[skip..];
                    int label = Resolve(labelFor(columns - skip), header, source, columns - skip);
                    labelColumn = label < 0 ? -1 : label + skip;
                }
                else if (!trailing && header is not null && skip == 0 && lines.Count == 0 && row.ColCount == columns + 1)
                {
                    // A header one cell short of the data, as R's write.table writes it: the row names have no header
                    // cell. The first column is that row index, dropped; the header names the columns after it.
                    skip = 1;
                    columns = row.ColCount;
                    int label = Resolve(labelFor(columns - 1), header, source, columns - 1);
                    labelColumn = label < 0 ? -1 : label + 1;
                }

                int count = trailing && row.ColCount == columns + 1 && row[columns].Span.Trim().IsEmpty ? columns : row.ColCount;
                if (columns < 0)
                {
                    // At least a feature and a label besides the empty cell: "5.1," is a feature and an empty label.
                    trailing = row.ColCount > 2 && row[row.ColCount - 1].Span.Trim().IsEmpty;
                    columns = count = row.ColCount - (trailing ? 1 : 0);
                    firstLine = line;
                    firstCells = new string[row.ColCount];
                    for (int c = 0; c < row.ColCount; c++)
                    {
                        firstCells[c] = row[c].Span.Trim().ToString();
                    }

                    string[] first = firstCells[..columns];

                    // A header whose first cell is empty names every column but a row index (pandas' to_csv with its
                    // index, R's write.csv with row names): that column is dropped, and the label column counts the
                    // columns after it. If the line turns out to be no header, it is data, whose empty cell is an error.
                    // The label column is asked for the columns after the index only when the rest has a header's shape:
                    // the caller's choice may depend on the count (predict's does), and a data line keeps every column.
                    bool indexed = headerRule != HeaderRule.None && columns >= 3 && first[0].Length == 0
                        && (headerRule == HeaderRule.First || HeaderShaped(first[1..], commaDecimals: delimiter != ','));
                    string[] named = indexed ? first[1..] : first;
                    LabelColumn? choice = labelFor(named.Length);
                    if (headerRule == HeaderRule.None && choice?.Name is { } name)
                    {
                        throw new UsageException($"--label-column {name}: a column name needs a header line, and --no-header says {source} has none.");
                    }

                    int label = Resolve(choice, named, source, named.Length);
                    if (headerRule == HeaderRule.First || choice?.Name is not null
                        || (headerRule == HeaderRule.Detect && LooksLikeHeader(named, label, commaDecimals: delimiter != ',')))
                    {
                        skip = indexed ? 1 : 0;
                        labelColumn = label < 0 ? -1 : label + skip;
                        header = named; // the data rows must match its width
                        continue;
                    }

                    labelColumn = indexed ? Resolve(labelFor(columns), first, source, columns) : label;
                }
                else if (count != columns)
                {
                    string why = trailing ? $"; line {firstLine} ends with a delimiter, read as no column" : "";
                    throw new DataException($"{source}, line {line}: {count} columns, but line {firstLine} has {columns} (every row needs the same number of columns{why}).");
                }

                for (int c = skip; c < count; c++)
                {
                    ReadOnlySpan<char> cell = row[c].Span.Trim();
                    if (c == labelColumn)
                    {
                        if (cell.IsEmpty)
                        {
                            throw new DataException($"{source}, line {line}, column {c + 1}: the label is empty.");
                        }

                        labels.Add(cell.ToString());
                        continue;
                    }

                    // A file not separated by commas may be the spreadsheet export of a locale whose decimal separator is the
                    // comma ("3,14", "1.234,5"). One convention per file, set by its first number with a separator:
                    // read cell by cell, "1,028" (a thousand and 28 in a file of decimal points) would silently be 1.028.
                    double value;
                    bool parsed;
                    if (decimalComma)
                    {
                        parsed = TryCommaNumber(cell, out value);
                    }
                    else
                    {
                        parsed = TryNumber(cell, out value);
                        if (!decimalPoint && delimiter != ',' && cell.ContainsAny(',', '.'))
                        {
                            decimalComma = !parsed && cell.Contains(',')
                                && TryCommaNumber(cell, out value);
                            decimalPoint = !decimalComma;
                            parsed |= decimalComma;
                        }
                    }

                    if (!parsed || !double.IsFinite(value))
                    {
                        string hint = lines.Count == 0 && header is null && headerRule == HeaderRule.Detect ? " If the first line is a header, pass --header." : "";
                        string by = delimiter == Whitespace ? "whitespace" : $"'{Show(delimiter)}'";
                        if (decimalComma || decimalPoint)
                        {
                            hint += $" Numbers in this file are read with a decimal {(decimalComma ? "comma" : "point")}, as its first number with a separator was written.";
                        }

                        throw new DataException($"{source}, line {line}, column {c + 1}: '{cell}' is not a finite number (features must be numbers; columns are separated by {by}).{hint}");
                    }

                    cells.Add(value);
                }

                lines.Add(line);
            }
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new DataException($"{source}: not UTF-8 text (it holds the byte {Convert.ToHexString(e.BytesUnknown ?? [])}, which UTF-8 does not allow there; Latin-1 or Windows-1252, as some spreadsheets save?); save it as UTF-8.");
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"{source}: not readable as compressed data: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            throw new DataException($"{source}: {e.Message} (an unterminated quote?)");
        }

        if (lines.Count == 0)
        {
            throw new DataException(header is not null
                ? $"{source}: no data rows after the header."
                : $"{source}: no data rows (the file is empty).");
        }

        return new CsvTable(source, columns - skip, labelColumn < 0 ? -1 : labelColumn - skip, [.. cells], labelColumn < 0 ? null : [.. labels], [.. lines], header, delimiter, trailing, skip == 1)
        {
            DecimalComma = decimalComma,
            Rule = headerRule,
        };
    }

    /// <summary>The label column of a file of <paramref name="columns"/> columns whose first line is <paramref name="first"/>.</summary>
    private static int Resolve(LabelColumn? choice, string[] first, string source, int columns)
    {
        if (choice is not { } label)
        {
            return -1;
        }

        int index;
        if (label.Name is { } name)
        {
            index = Array.IndexOf(first, name);
            if (index >= 0 && Array.IndexOf(first, name, index + 1) > index)
            {
                throw new UsageException($"--label-column {name}: {source} has several columns of that name ({index}, {Array.IndexOf(first, name, index + 1)}, ...); give the index.");
            }
            if (index < 0)
            {
                throw new UsageException($"--label-column {name}: {source} has no column of that name in its first line ({string.Join(", ", first.Take(12))}{(first.Length > 12 ? ", ..." : "")}).");
            }
        }
        else
        {
            index = label.Index < 0 ? columns + label.Index : label.Index;
            if ((uint)index >= (uint)columns)
            {
                throw new UsageException($"--label-column {label.Index}: {source} has {columns} columns (0..{columns - 1}, or -1..-{columns} from the end).");
            }
        }

        if (columns < 2)
        {
            throw new DataException($"{source}: 1 column, so no features besides the label.");
        }

        return index;
    }

    /// <summary>
    /// A first line is a header when it has feature cells and every one of them is a name: not a number, not empty
    /// and not a usual mark of a missing value (so a first row of missing values is an error, not a header); or when
    /// it numbers the columns (<see cref="NumbersColumns"/>).
    /// </summary>
    private static bool LooksLikeHeader(string[] first, int labelColumn, bool commaDecimals)
        => NamesColumns(first, labelColumn, commaDecimals) || NumbersColumns(first, labelColumn);

    /// <summary>
    /// A header of numbers, as pandas writes for a frame whose columns were never named (<c>0,1,2,...,63,label</c>
    /// or <c>0,1,...,64</c>): at least three feature cells, and the cells are whole numbers counting up by one from 0
    /// or 1, in file order, the label cell either taking its place in the count or being a name. Read as data, such
    /// a line would be one example whose label is a class of its own.
    /// </summary>
    private static bool NumbersColumns(string[] first, int labelColumn)
    {
        const int MinFeatures = 3;
        int features = labelColumn < 0 ? first.Length : first.Length - 1;
        if (features < MinFeatures)
        {
            return false;
        }

        bool labelIsName = labelColumn >= 0
            && !TryNumber(first[labelColumn], out _);
        if (labelIsName && (first[labelColumn].Length == 0 || MissingMarks.Contains(first[labelColumn])))
        {
            return false;
        }

        long next = -1;
        for (int c = 0; c < first.Length; c++)
        {
            if (c == labelColumn && labelIsName)
            {
                continue;
            }

            if (!long.TryParse(first[c], NumberStyles.None, CultureInfo.InvariantCulture, out long number)
                || (next < 0 ? number > 1 : number != next))
            {
                return false;
            }

            next = number + 1;
        }

        return true;
    }

    /// <summary>Whether a line could be a header wherever its label column is: every cell a name, or the cells numbering the columns with or without a named first or last cell.</summary>
    private static bool HeaderShaped(string[] cells, bool commaDecimals)
        => NamesColumns(cells, -1, commaDecimals) || NumbersColumns(cells, -1) || NumbersColumns(cells, 0) || NumbersColumns(cells, cells.Length - 1);

    /// <summary>Whether the line has feature cells and every one is a name (not a number, empty or a missing-value mark).</summary>
    private static bool NamesColumns(string[] first, int labelColumn, bool commaDecimals)
    {
        bool any = false;
        for (int c = 0; c < first.Length; c++)
        {
            if (c == labelColumn)
            {
                continue;
            }

            any = true;
            string cell = first[c];
            if (cell.Length == 0 || MissingMarks.Contains(cell) || TryNumber(cell, out _)
                || (commaDecimals && TryCommaNumber(cell, out _)))
            {
                return false;
            }
        }

        return any;
    }

    private static readonly HashSet<string> MissingMarks = new(["?", "-", "--", ".", "NA", "N/A", "NaN", "null", "none", "nil", "missing"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Reads up to the end of the first non-blank line and picks the delimiter it holds most of outside quotes
    /// (comma, semicolon, tab, bar; the first of those on a tie); with none of them, whitespace when the line has
    /// cells apart by spaces, else comma. Returns what was read, to be replayed.
    /// </summary>
    private static (string Prefix, char Delimiter) DetectDelimiter(TextReader reader)
    {
        const int MaxPrefix = 64 * 1024 * 1024;
        var prefix = new System.Text.StringBuilder();
        var buffer = new char[8192];
        var line = new System.Text.StringBuilder(); // the current line, until a non-blank one ends
        string? first = null; // the first non-blank line; the second is read too, for Pick
        while (prefix.Length < MaxPrefix)
        {
            int n = reader.Read(buffer, 0, buffer.Length);
            if (n == 0)
            {
                break;
            }

            prefix.Append(buffer, 0, n);
            for (int i = 0; i < n; i++)
            {
                char ch = buffer[i];
                if (ch is '\n' or '\r')
                {
                    string text = line.ToString();
                    if (!text.AsSpan().Trim().IsEmpty)
                    {
                        if (first is not null)
                        {
                            return (prefix.ToString(), Pick(first, text));
                        }

                        first = text;
                    }

                    line.Clear();
                }
                else
                {
                    line.Append(ch);
                }
            }
        }

        return first is null ? (prefix.ToString(), Pick(line.ToString())) : (prefix.ToString(), Pick(first, line.ToString()));
    }

    private static char Pick(ReadOnlySpan<char> line, ReadOnlySpan<char> next = default)
    {
        Span<int> counts = stackalloc int[Delimiters.Length];
        bool quoted = false;
        ReadOnlySpan<char> trimmed = line.Trim();
        for (int i = 0; i < trimmed.Length; i++)
        {
            char ch = trimmed[i];
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && Array.IndexOf(Delimiters, ch) is int d and >= 0)
            {
                counts[d]++;
            }

        }

        int best = 0;
        for (int d = 1; d < counts.Length; d++)
        {
            if (counts[d] > counts[best])
            {
                best = d;
            }
        }

        // Semicolons or tabs between numbers with decimal commas ("0,471;0,302;setosa"): the commas are inside the
        // numbers, however many there are. A header's names may hold commas ("Länge, cm;Breite, cm;Art"): then the next
        // line's numbers decide, when it has as many of that delimiter.
        if (Delimiters[best] == ',')
        {
            foreach (char other in (ReadOnlySpan<char>)[';', '\t'])
            {
                if (trimmed.Contains(other)
                    && (CommasAreDecimal(trimmed, other) || (next.Trim().Count(other) == trimmed.Count(other) && CommasAreDecimal(next.Trim(), other))))
                {
                    return other;
                }
            }
        }

        // Whitespace when no delimiter separates cells, or when tabs do but one of their cells is several numbers
        // apart by spaces (UCI's auto-mpg.data: eight numbers apart by spaces, then a tab before the quoted name). A
        // tab-separated cell of words with spaces ("Iris setosa", "new york") keeps the tab.
        bool whitespace = counts[best] == 0 ? trimmed.ContainsAny(' ', '\t') : Delimiters[best] == '\t' && HasSpacedNumbers(trimmed);
        return whitespace ? Whitespace : Delimiters[best];
    }

    // Whether the cells of the line (split at the delimiter) that hold a comma are mostly numbers with a decimal comma (a
    // label or name may hold one too: "0,5;0,3;Smith, J").
    private static bool CommasAreDecimal(ReadOnlySpan<char> line, char delimiter)
    {
        int numbers = 0, others = 0;
        foreach (Range cell in line.Split(delimiter))
        {
            ReadOnlySpan<char> text = line[cell].Trim();
            if (text.Contains(','))
            {
                if (TryCommaNumber(text, out _))
                {
                    numbers++;
                }
                else
                {
                    others++;
                }
            }
        }

        return numbers > 0 && numbers >= others;
    }

    // Whether a tab-separated cell of the line holds two or more numbers apart by spaces.
    private static bool HasSpacedNumbers(ReadOnlySpan<char> line)
    {
        foreach (Range cell in line.Split('\t'))
        {
            int numbers = 0;
            bool allNumbers = true;
            ReadOnlySpan<char> text = line[cell];
            foreach (Range token in text.Split(' '))
            {
                ReadOnlySpan<char> t = text[token];
                if (!t.IsEmpty)
                {
                    numbers++;
                    allNumbers &= TryNumber(t, out _);
                }
            }

            if (numbers >= 2 && allNumbers)
            {
                return true;
            }
        }

        return false;
    }

    private static string Show(char delimiter) => delimiter switch { '\t' => "\\t", Whitespace => "whitespace", _ => delimiter.ToString() };

    /// <summary>A read-only stream of <c>prefix</c> and then the rest of another stream (which it disposes).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (!_prefix.IsEmpty)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }

            return rest.Read(buffer);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Another reader's text with each run of spaces and tabs inside a line turned into one tab, and those at a line's
    /// start and end dropped: whitespace-separated columns as tab-separated ones. Text between double quotes passes
    /// as it is (a quoted name such as "Iris setosa" stays one cell). Never longer than its input plus one tab.
    /// </summary>
    private sealed class WhitespaceColumns(TextReader inner) : TextReader
    {
        private readonly char[] _input = new char[16384];
        private readonly char[] _output = new char[16385]; // a block's text, plus a tab for a gap the block before ended in
        private int _start, _end;
        private bool _lineStart = true;
        private bool _gap;
        private bool _quoted;

        public override int Read(Span<char> buffer)
        {
            while (_start == _end)
            {
                int read = inner.Read(_input);
                if (read == 0)
                {
                    return 0;
                }

                _start = _end = 0;
                foreach (char ch in _input.AsSpan(0, read))
                {
                    if (_quoted)
                    {
                        _output[_end++] = ch;
                        _quoted = ch != '"';
                    }
                    else if (ch is ' ' or '\t')
                    {
                        _gap = !_lineStart;
                    }
                    else if (ch is '\n' or '\r')
                    {
                        _output[_end++] = ch;
                        _lineStart = true;
                        _gap = false;
                    }
                    else
                    {
                        if (_gap)
                        {
                            _output[_end++] = '\t';
                            _gap = false;
                        }

                        _output[_end++] = ch;
                        _lineStart = false;
                        _quoted = ch == '"';
                    }
                }
            }

            int n = Math.Min(buffer.Length, _end - _start);
            _output.AsSpan(_start, n).CopyTo(buffer);
            _start += n;
            return n;
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read()
        {
            Span<char> one = stackalloc char[1];
            return Read(one) == 0 ? -1 : one[0];
        }

        public override int Peek() => -1; // not supported: Sep reads blocks

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A reader that returns <c>prefix</c> and then the rest of another reader (which it disposes).</summary>
    private sealed class ReplayTextReader(string prefix, TextReader rest) : TextReader
    {
        private int _position;

        public override int Peek() => _position < prefix.Length ? prefix[_position] : rest.Peek();

        public override int Read() => _position < prefix.Length ? prefix[_position++] : rest.Read();

        public override int Read(Span<char> buffer)
        {
            if (_position < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }

            return rest.Read(buffer);
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                rest.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
