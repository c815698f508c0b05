using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;

namespace HpcBackprop.Cli.Commands;

/// <summary>The data options train and predict share: --data, --label-column, --header.</summary>
internal static class DataOptions
{
    public static readonly string[] ValueOptions = ["data", "label-column"];
    public static readonly string[] Flags = ["header"];

    public const string Help =
        "  --data FILE          CSV of numbers (.csv or .csv.gz), one example per line; default: the embedded digits\n" +
        "  --label-column N     0-based index of the integer class label column; default: the last column\n" +
        "  --header             the first line is a header (without it, a non-numeric first line is an error)\n";

    /// <summary>True when the user asked for their own data rather than the embedded digits.</summary>
    public static bool IsCustom(Arguments args) => args.Get("data") is not null;

    /// <summary>The table behind --data; null for the embedded digits.</summary>
    public static CsvTable? LoadTable(Arguments args)
    {
        string? path = args.Get("data");
        if (path is null)
        {
            if (args.Get("label-column") is not null || args.Has("header"))
            {
                throw new UsageException("--label-column and --header apply to --data files only.");
            }

            return null;
        }

        return CsvTable.Load(path, args.Has("header"));
    }

    public static int LabelColumn(Arguments args) => args.GetInt("label-column", -1, 0);

    /// <summary>Labelled examples: --data with its label column, or the embedded digits.</summary>
    public static Dataset LoadLabelled(Arguments args)
    {
        CsvTable? table = LoadTable(args);
        return table is null ? Digits.Load() : Dataset.WithLabels(table, LabelColumn(args));
    }
}
