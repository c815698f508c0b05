using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;
using HpcBackprop.Cli.Scoring;
using HpcBackprop.Models;

namespace HpcBackprop.Cli.Commands;

/// <summary>hpcbackprop predict: score a CSV with a saved model.</summary>
internal sealed class PredictCommand : Command
{
    public override string Name => "predict";

    public override string Summary => "Score a CSV with a saved model; accuracy when labels are present.";

    public override IReadOnlyCollection<string> ValueOptions => [.. DataOptions.ValueOptions, "model", "output"];

    public override IReadOnlyCollection<string> Flags => [.. DataOptions.Flags, "latency", "scores"];

    public override string Help =>
        "  --model FILE         the model (.hpcb) written by train --save (required)\n" +
        DataOptions.Help +
        "                       rows with s(1) columns have no label; rows with s(1)+1 have one, whose column is\n" +
        "                       --label-column, else the one the model was trained with\n" +
        "  --output FILE        write the predicted classes there (one per line, atomically); default: stdout\n" +
        "  --scores             also write each class's output activation: a header line 'predicted,<classes>',\n" +
        "                       then per example the predicted class and the K outputs, comma-separated\n" +
        "  --latency            also time single-example scoring (median and 99th percentile)\n" +
        "The summary (count, accuracy, latency) goes to stdout after the predictions, or to stderr when the\n" +
        "predictions themselves go to stdout, so that piping stdout gives only predictions.\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        string modelPath = args.Require("model");
        string? outputPath = args.Get("output");
        if (outputPath is not null)
        {
            OutputPath.Check("predict", "--output", outputPath);
        }

        LabelColumn? chosen = DataOptions.LabelColumnOption(args);
        NetworkModel model = ModelFile.Load(modelPath);
        NetworkLayout layout = model.Layout;
        int n = layout.InputSize;

        // s(1) + 1 columns: features and a label, in the column named by --label-column, else the one the model was
        // trained with, else the last; s(1) columns: features only.
        // Another column count is an error here, at the first line, before any cell is parsed (a label cell read as a
        // feature would give a message about that cell instead).
        LabelColumn? LabelFor(int columns)
            => columns == n + 1 ? chosen ?? (model.LabelColumn >= 0 ? new LabelColumn(model.LabelColumn) : LabelColumn.Last)
            : columns == n ? null
            : throw new DataException($"{args.Get("data")}: {columns} columns, but the model {layout} takes {n} features ({n} columns, or {n + 1} with a label column).");

        CsvTable table = DataOptions.LoadTable(args, LabelFor) ?? Digits.LoadTable();
        if (table.Columns != n && table.Columns != n + 1)
        {
            throw new DataException($"{table.Source}, line {table.Lines[0]}: {table.Columns} columns, but the model {layout} takes {n} features ({n} columns, or {n + 1} with a label column).");
        }

        if (chosen is { } label && table.LabelColumn < 0)
        {
            throw new DataException($"{table.Source}: --label-column {label} given, but the file has {table.Columns} columns, just the {n} features the model {layout} takes.");
        }

        string[] classes = [.. Enumerable.Range(0, layout.OutputSize).Select(model.ClassLabel)];
        Dataset data = table.LabelColumn < 0 ? Dataset.WithoutLabels(table) : Dataset.WithLabels(table, classes, $"the model {layout}");
        return model.ElementType == ModelElementType.Single
            ? Predict<float>(model, data, outputPath, args.Has("latency"), args.Has("scores"), context)
            : Predict<double>(model, data, outputPath, args.Has("latency"), args.Has("scores"), context);
    }

    private static int Predict<T>(NetworkModel model, Dataset data, string? outputPath, bool latency, bool scores, CommandContext context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkLayout layout = model.Layout;
        T[] parameters = model.GetParameters<T>();
        var x = new T[data.RawFeatures.Length];
        model.NormalizeFeatures<T>(data.RawFeatures, x);
        for (int i = 0; i < x.Length; i++)
        {
            if (!T.IsFinite(x[i]))
            {
                // A raw value far outside the training range can scale past the model's precision (1e40 in a float model).
                int row = i / layout.InputSize;
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"{data.Source}, line {data.Lines[row]}, column {data.FileColumn(i % layout.InputSize)}: {data.RawFeatures[i]:R} scales to {x[i]} in the model's {model.ElementType.ToString().ToLowerInvariant()} precision (the training data's range of that feature is far smaller)."));
            }
        }
        var scorer = new ForwardScorer<T>(layout);
        var predictions = new int[data.Count];
        scorer.Predict(parameters, x, predictions);

        var text = new StringBuilder(data.Count * 3);
        if (scores)
        {
            // The K outputs of each example, as the library's Forward gives them (sigmoid activations, not normalized).
            int k = layout.OutputSize;
            var outputs = new T[data.Count * k];
            scorer.ScoreAll(parameters, x, outputs);
            text.Append("predicted");
            for (int c = 0; c < k; c++)
            {
                text.Append(',').Append(CsvCell(model.ClassLabel(c)));
            }

            text.Append('\n');
            for (int i = 0; i < data.Count; i++)
            {
                text.Append(CsvCell(model.ClassLabel(predictions[i])));
                for (int c = 0; c < k; c++)
                {
                    text.Append(',').Append(outputs[(i * k) + c].ToString("R", CultureInfo.InvariantCulture));
                }

                text.Append('\n');
            }
        }
        else
        {
            foreach (int p in predictions)
            {
                text.Append(model.ClassLabel(p)).Append('\n');
            }
        }

        TextWriter summary;
        if (outputPath is null)
        {
            context.Out.Write(text.ToString());
            summary = context.Error;
        }
        else
        {
            AtomicFile.WriteAllBytes(outputPath, Encoding.UTF8.GetBytes(text.ToString()));
            summary = context.Out;
        }

        summary.WriteLine($"predicted {data.Count} examples of {data.Source} with {layout} ({model.ElementType.ToString().ToLowerInvariant()})");
        if (data.Format is { } read)
        {
            summary.WriteLine($"read      {read}");
        }
        if (data.Labels is { } labels)
        {
            double accuracy = TrainCommand.Accuracy(predictions, labels);
            summary.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {100 * accuracy:F2}% ({Math.Round(accuracy * labels.Length)} / {labels.Length})"));
        }

        if (latency)
        {
            WriteLatency(scorer, parameters, x.AsSpan(0, layout.InputSize), layout, summary);
        }

        return 0;
    }

    // A class name as a CSV cell: quoted, its quotes doubled, when it holds a comma, a quote or spaces at an end.
    private static string CsvCell(string name)
        => name.AsSpan().IndexOfAny(',', '"') >= 0 || name.Trim().Length != name.Length
            ? "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : name;

    /// <summary>Times single-example scoring: a warm-up, then 10,000 timed calls; prints median, p99 and allocations.</summary>
    private static void WriteLatency<T>(ForwardScorer<T> scorer, T[] parameters, ReadOnlySpan<T> example, NetworkLayout layout, TextWriter summary)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Runs = 10_000;
        var outputs = new T[layout.OutputSize];
        var ticks = new long[Runs];
        for (int i = 0; i < 1000; i++)
        {
            scorer.Score(parameters, example, outputs);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            scorer.Score(parameters, example, outputs);
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Array.Sort(ticks);
        double ToMicroseconds(long t) => t * 1e6 / Stopwatch.Frequency;
        summary.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency  single example: median {ToMicroseconds(ticks[Runs / 2]):F2} us, p99 {ToMicroseconds(ticks[Runs * 99 / 100]):F2} us, {allocated / Runs} bytes allocated per call ({Runs} runs)"));
    }
}
