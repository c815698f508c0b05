using System.Globalization;

namespace HpcBackprop.Cli.Commands;

/// <summary>Plain-text result tables, the same on a terminal and in a log.</summary>
internal static class Report
{
    /// <summary>The most classes a confusion matrix is printed for.</summary>
    public const int MaxMatrixClasses = 30;

    /// <summary>The first few names, for messages.</summary>
    public static string List(IReadOnlyList<string> names, int max = 10)
        => string.Join(", ", names.Take(max)) + (names.Count > max ? $", ... ({names.Count} in all)" : "");

    /// <summary>
    /// Counts of (true class, predicted class): rows are the true class, columns the prediction, both headed by the
    /// class names (cut to 12 characters). Omitted, with a line saying so, beyond <see cref="MaxMatrixClasses"/> classes.
    /// </summary>
    public static void WriteConfusionMatrix(TextWriter output, ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, IReadOnlyList<string> classNames)
    {
        int classes = classNames.Count;
        if (classes > MaxMatrixClasses)
        {
            output.WriteLine($"confusion matrix omitted: {classes} classes (it is printed for up to {MaxMatrixClasses})");
            return;
        }

        var counts = new int[classes, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            counts[labels[i], predictions[i]]++;
        }

        string[] names = [.. classNames.Select(n => n.Length > 12 ? n[..11] + "~" : n)];
        int width = Math.Max(Math.Max(4, labels.Length.ToString(CultureInfo.InvariantCulture).Length + 1), names.Max(n => n.Length) + 1);
        int first = Math.Max(9, names.Max(n => n.Length));
        output.WriteLine("confusion matrix (rows: true class, columns: predicted class)");
        output.Write("true\\pred".PadRight(first));
        for (int k = 0; k < classes; k++)
        {
            output.Write(names[k].PadLeft(width));
        }

        output.WriteLine();
        for (int t = 0; t < classes; t++)
        {
            output.Write(names[t].PadLeft(first));
            for (int k = 0; k < classes; k++)
            {
                output.Write(counts[t, k].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }

            output.WriteLine();
        }
    }
}
