using System.Globalization;

namespace HpcBackprop.Cli.Commands;

/// <summary>Plain-text result tables, the same on a terminal and in a log.</summary>
internal static class Report
{
    /// <summary>Counts of (true class, predicted class): rows are the true class, columns the prediction.</summary>
    public static void WriteConfusionMatrix(TextWriter output, ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, int classes)
    {
        var counts = new int[classes, classes];
        for (int i = 0; i < labels.Length; i++)
        {
            counts[labels[i], predictions[i]]++;
        }

        int width = Math.Max(4, labels.Length.ToString(CultureInfo.InvariantCulture).Length + 1);
        output.WriteLine("confusion matrix (rows: true class, columns: predicted class)");
        output.Write("true\\pred");
        for (int k = 0; k < classes; k++)
        {
            output.Write(k.ToString(CultureInfo.InvariantCulture).PadLeft(width));
        }

        output.WriteLine();
        for (int t = 0; t < classes; t++)
        {
            output.Write(t.ToString(CultureInfo.InvariantCulture).PadLeft(9));
            for (int k = 0; k < classes; k++)
            {
                output.Write(counts[t, k].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            }

            output.WriteLine();
        }
    }
}
