using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;
using HpcBackprop.Cli.Scoring;
using HpcBackprop.Models;
using HpcBackprop.Training;

namespace HpcBackprop.Cli.Commands;

/// <summary>hpcbackprop train: fit a network on a labelled CSV (or the embedded digits) and report test accuracy.</summary>
internal sealed class TrainCommand : Command
{
    public override string Name => "train";

    public override string Summary => "Train a network (default: 64-25-10 on the embedded digits) and report test accuracy.";

    public override IReadOnlyCollection<string> ValueOptions =>
        [.. DataOptions.ValueOptions, "layers", "lambda", "optimizer", "iterations", "precision", "threads", "seed", "test-fraction",
         "learning-rate", "batch-size", "save"];

    public override IReadOnlyCollection<string> Flags => DataOptions.Flags;

    public override string Help =>
        DataOptions.Help +
        "  --layers S1,S2,..    layer sizes, input to output (e.g. 64,32,16,10); default: features-25-classes\n" +
        "  --lambda X           L2 regularization strength, >= 0; default 1\n" +
        "  --optimizer NAME     lbfgs (default), cg (fmincg-style conjugate gradient), sgd (with momentum), adam\n" +
        "  --iterations N       line searches (lbfgs, cg; default 100) or epochs (sgd, adam; default 30)\n" +
        "  --learning-rate X    step size for sgd (default 0.5) and adam (default 0.01)\n" +
        "  --batch-size N       examples per mini-batch for sgd and adam; default 32\n" +
        "  --precision P        float or double (default)\n" +
        "  --threads N          threads sharing each full-batch gradient; default 1\n" +
        "  --seed N             seed of the split, the initial weights and the shuffles; default 1\n" +
        "  --test-fraction X    share of each class held out for testing, in [0, 0.9]; default 0.3\n" +
        "  --save FILE          write the trained model (.hpcb) there, atomically\n" +
        "Features are scaled to [0, 1]: digits by 1/16, other data by each column's training min and max.\n" +
        "The embedded digits: UCI Optical Recognition of Handwritten Digits (test part), E. Alpaydin and\n" +
        "C. Kaynak, 1998, CC BY 4.0: 1797 8x8 images, pixel counts 0..16, the digit in the last column.\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        var wall = Stopwatch.StartNew(); // wall time includes reading and parsing the data
        TrainSettings settings = TrainSettings.From(args);
        return settings.Double ? Train<double>(settings, context, wall) : Train<float>(settings, context, wall);
    }

    private static int Train<T>(TrainSettings settings, CommandContext context, Stopwatch wall)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TextWriter output = context.Out;
        Dataset data = settings.Data;
        int classes = data.ClassCount;
        NetworkLayout layout = settings.Layout ?? new NetworkLayout(data.Features, 25, classes);
        if (layout.InputSize != data.Features)
        {
            throw new UsageException($"train: --layers {layout} takes {layout.InputSize} inputs, but {data.Source} has {data.Features} features.");
        }

        if (classes < 2)
        {
            throw new DataException($"{data.Source}: every example has the label '{data.ClassNames![0]}'; a classifier needs at least two classes.");
        }

        if (layout.OutputSize != classes)
        {
            throw new UsageException($"train: --layers {layout} has {layout.OutputSize} output units, but {data.Source} has {classes} classes ({Report.List(data.ClassNames!)}); the last size must be {classes}.");
        }

        (int[] trainIndices, int[] testIndices) = data.StratifiedSplit(settings.TestFraction, settings.Seed);
        Dataset train = data.Subset(trainIndices), test = data.Subset(testIndices);
        (double[] offsets, double[] scales) = settings.Custom
            ? train.MinMaxScaling()
            : (new double[data.Features], Enumerable.Repeat(Digits.PixelScale, data.Features).ToArray());
        NetworkModel scaling = NetworkModel.Create<T>(layout, new T[layout.ParameterCount], offsets, scales);
        T[] trainX = Normalize<T>(scaling, train), testX = Normalize<T>(scaling, test);
        int[] trainY = train.Labels!;

        output.WriteLine($"data      {data.Source}: {data.Count} examples, {data.Features} features, {classes} classes");
        if (data.Format is { } format)
        {
            output.WriteLine($"read      {format}");
        }
        output.WriteLine($"split     {train.Count} train / {test.Count} test, stratified, seed {settings.Seed}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"network   {layout} ({layout.ParameterCount} parameters), {(typeof(T) == typeof(float) ? "float" : "double")}, lambda {settings.Lambda}, {settings.OptimizerName}, {settings.Iterations} iterations, {settings.Threads} thread(s)"));

        T[] parameters = WeightInitializer.Create<T>(layout, settings.Seed);
        var objective = new NetworkObjective<T>(layout, trainX, trainY, T.CreateTruncating(settings.Lambda), settings.Threads);
        var scorer = new ForwardScorer<T>(layout);
        var predictions = new int[train.Count];
        bool fullBatch = settings.OptimizerName is "cg" or "lbfgs";
        double TrainingAccuracy()
        {
            scorer.Predict(parameters, trainX, predictions);
            return Accuracy(predictions, trainY);
        }

        long ExamplesSoFar(in OptimizationProgress p) => (long)train.Count * (fullBatch ? p.Evaluations : p.Iteration);
        using var display = new TrainingDisplay(context, settings.Iterations);
        Optimizer<T> optimizer = settings.CreateOptimizer<T>(p => display.Report(p, ExamplesSoFar(p), TrainingAccuracy));
        string tuning = settings.OptimizerName is "sgd" or "adam"
            ? string.Create(CultureInfo.InvariantCulture, $"--lambda {settings.Lambda} or --learning-rate {settings.LearningRate}")
            : string.Create(CultureInfo.InvariantCulture, $"--lambda {settings.Lambda}");
        // At the initial weights the data term is finite (small weights, scaled features, the stable form of the cost):
        // an overflow there is the regularization term's, lambda/(2m) times the sum of squared weights.
        bool initialFinite;
        try
        {
            initialFinite = T.IsFinite(objective.Evaluate(parameters, new T[layout.ParameterCount]));
        }
        catch (ArithmeticException)
        {
            initialFinite = false;
        }

        if (!initialFinite)
        {
            throw new DataException(string.Create(CultureInfo.InvariantCulture,
                $"--lambda {settings.Lambda}: the cost at the initial weights overflows {(typeof(T) == typeof(float) ? "float" : "double")} (lambda/(2m) times the sum of squared weights); use a smaller --lambda."));
        }

        OptimizationResult result;
        try
        {
            result = display.Run(() => optimizer.Minimize(objective, parameters));
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException)
        {
            // The weights were finite when training started and the features are checked: the steps diverged.
            throw new DataException($"training diverged ({Program.Plain(e)}); try a smaller {tuning}.");
        }

        if (!double.IsFinite(result.Cost))
        {
            throw new DataException(string.Create(CultureInfo.InvariantCulture, $"training diverged (cost {result.Cost}); try a smaller {tuning}."));
        }

        var testPredictions = new int[test.Count];
        scorer.Predict(parameters, testX, testPredictions);
        double trainSeconds = result.Elapsed.TotalSeconds;
        long examples = fullBatch ? (long)train.Count * result.Evaluations : (long)train.Count * result.Iterations;
        double flops = FlopsPerExample(layout) * examples;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stopped   {result.StopReason} after {result.Iterations} iterations, {result.Evaluations} evaluations, cost {result.Cost:F6}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train     accuracy {100 * TrainingAccuracy():F2}%"));
        if (test.Count == 0)
        {
            output.WriteLine(settings.TestFraction == 0
                ? "test      no examples held out (--test-fraction 0)"
                : data.Labels!.GroupBy(l => l).All(g => g.Count() < 2)
                    ? "test      no examples held out (every class has one example, kept for training)"
                    : string.Create(CultureInfo.InvariantCulture, $"test      no examples held out (each class gives up --test-fraction {settings.TestFraction} x its size, rounded, and that is 0 for every class)"));
        }
        else
        {
            int correct = (int)Math.Round(Accuracy(testPredictions, test.Labels!) * test.Count);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test      accuracy {100.0 * correct / test.Count:F2}% ({correct} / {test.Count})"));
            Report.WriteConfusionMatrix(output, test.Labels!, testPredictions, data.ClassNames!);
        }

        if (settings.SavePath is { } path)
        {
            ModelFile.Save(NetworkModel.Create<T>(layout, parameters, offsets, scales).WithClassLabels(data.ClassNames!, data.LabelColumn), path);
            output.WriteLine($"saved     {path}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"time      {wall.Elapsed.TotalSeconds:F2} s wall, {trainSeconds:F2} s training, {examples / Math.Max(trainSeconds, 1e-9):N0} examples/s, {flops / Math.Max(trainSeconds, 1e-9) / 1e9:F2} GFLOP/s"));
        return 0;
    }

    /// <summary>Floating-point operations of one example's gradient: 6 W - 2 W1 (W all weights with biases, W1 those of Theta(1)).</summary>
    public static double FlopsPerExample(NetworkLayout layout) => (6.0 * layout.ParameterCount) - (2.0 * layout.ThetaLength(0));

    public static double Accuracy(ReadOnlySpan<int> predictions, ReadOnlySpan<int> labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            correct += predictions[i] == labels[i] ? 1 : 0;
        }

        return labels.IsEmpty ? 0 : (double)correct / labels.Length;
    }

    private static T[] Normalize<T>(NetworkModel scaling, Dataset data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = new T[data.RawFeatures.Length];
        scaling.NormalizeFeatures<T>(data.RawFeatures, x);
        return x;
    }
}
