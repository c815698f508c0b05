using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;

namespace HpcBackprop.Cli.Commands;

/// <summary>The data options train and predict share: --data, --label-column, --header, --no-header.</summary>
internal static class DataOptions
{
    public static readonly string[] ValueOptions = ["data", "label-column"];
    public static readonly string[] Flags = ["header", "no-header"];

    public const string Help =
        "  --data FILE          delimited text, one example per line: numeric features and a label column of any\n" +
        "                       text (classes); comma, semicolon, tab, | or whitespace (detected); gzip detected;\n" +
        "                       default: digits\n" +
        "  --label-column C     the label column: a 0-based index (-1 = the last), or its name in the header;\n" +
        "                       default: the last column (predict: the column the model was trained with)\n" +
        "  --header             the first line is a header (without it, a first line is one when all its feature cells\n" +
        "                       are names: not numbers, not empty, not missing-value marks such as NA or ?; or when\n" +
        "                       it numbers the columns 0,1,2,... or 1,2,3,..., as pandas writes unnamed columns)\n" +
        "  --no-header          the first line is data\n";

    /// <summary>True when the user asked for their own data rather than the embedded digits.</summary>
    public static bool IsCustom(Arguments args) => args.Get("data") is not null;

    /// <summary>The table behind --data, its label column chosen by <paramref name="labelFor"/>; null for the embedded digits.</summary>
    public static CsvTable? LoadTable(Arguments args, Func<int, LabelColumn?> labelFor)
    {
        string? path = args.Get("data");
        if (path is null)
        {
            if (args.Get("label-column") is not null || args.Has("header") || args.Has("no-header"))
            {
                throw new UsageException("--label-column, --header and --no-header apply to --data files only.");
            }

            return null;
        }

        if (path.Length == 0)
        {
            throw new UsageException("--data needs a file name.");
        }

        if (args.Has("header") && args.Has("no-header"))
        {
            throw new UsageException("--header and --no-header contradict each other: give one.");
        }

        HeaderRule header = args.Has("header") ? HeaderRule.First : args.Has("no-header") ? HeaderRule.None : HeaderRule.Detect;
        return CsvTable.Load(path, header, labelFor);
    }

    /// <summary>--label-column, or null when not given.</summary>
    public static LabelColumn? LabelColumnOption(Arguments args)
        => args.Get("label-column") is { } text
            ? text.Trim().Length > 0 ? Data.LabelColumn.Parse(text) : throw new UsageException("--label-column needs an index or a column name.")
            : null;

    /// <summary>Labelled examples: --data with its label column (default the last), or the embedded digits.</summary>
    public static Dataset LoadLabelled(Arguments args)
    {
        LabelColumn label = LabelColumnOption(args) ?? Data.LabelColumn.Last;
        CsvTable? table = LoadTable(args, _ => label);
        return table is null ? Digits.Load() : Dataset.WithLabels(table);
    }
}
