using System.Numerics;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;
using HpcBackprop.Training;

namespace HpcBackprop.Cli.Commands;

/// <summary>The train command's options, parsed and checked before any work starts.</summary>
internal sealed record TrainSettings(
    Dataset Data,
    bool Custom,
    NetworkLayout? Layout,
    double Lambda,
    string OptimizerName,
    int Iterations,
    double LearningRate,
    int BatchSize,
    bool Double,
    int Threads,
    ulong Seed,
    double TestFraction,
    string? SavePath)
{
    public static TrainSettings From(Arguments args)
    {
        // Options first, data last: a usage error should not wait for a large file to load.
        NetworkLayout? layout = args.GetLayout("layers");
        double lambda = args.GetDouble("lambda", 1.0, 0);
        string optimizer = args.GetChoice("optimizer", "lbfgs", "cg", "lbfgs", "sgd", "adam");
        bool fullBatch = optimizer is "cg" or "lbfgs";
        int iterations = args.GetInt("iterations", fullBatch ? 100 : 30, 1);
        double learningRate = args.GetDouble("learning-rate", optimizer == "sgd" ? 0.5 : 0.01, 0, 1e6, minExclusive: true);
        int batchSize = args.GetInt("batch-size", 32, 1);
        if (fullBatch && (args.Get("learning-rate") is not null || args.Get("batch-size") is not null))
        {
            throw new UsageException($"train: --learning-rate and --batch-size apply to sgd and adam, not {optimizer}.");
        }

        bool useDouble = args.GetChoice("precision", "double", "float", "double") == "double";
        int threads = args.GetInt("threads", 1, 1, Environment.ProcessorCount * 4);
        ulong seed = args.GetULong("seed", 1);
        double testFraction = args.GetDouble("test-fraction", 0.3, 0, 0.9);
        string? save = args.Get("save");
        if (save is not null && (save.Length == 0 || Directory.Exists(save)))
        {
            throw new UsageException($"train: --save '{save}' must name a file.");
        }

        // Checked now rather than found out after a long training run.
        if (save is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(save))))
        {
            throw new UsageException($"train: --save '{save}': the directory does not exist.");
        }

        if (save is not null)
        {
            CheckWritable(save);
        }

        Dataset data = DataOptions.LoadLabelled(args);
        return new TrainSettings(data, DataOptions.IsCustom(args), layout, lambda, optimizer, iterations, learningRate, batchSize, useDouble, threads, seed, testFraction, save);
    }

    /// <summary>Creates and deletes a file beside <paramref name="path"/>, so an unwritable place is found before training.</summary>
    private static void CheckWritable(string path)
    {
        string name = Path.GetFileName(path);
        string probe = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{(name.Length > 64 ? name[..64] : name)}.{Guid.NewGuid():N}.probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"train: --save '{path}' cannot be written: {e.Message}");
        }
    }

    public Optimizer<T> CreateOptimizer<T>(Action<OptimizationProgress> progress)
        where T : unmanaged, IFloatingPointIeee754<T>
        => OptimizerName switch
        {
            "cg" => new ConjugateGradient<T> { MaxIterations = Iterations, Progress = progress },
            "lbfgs" => new Lbfgs<T> { MaxIterations = Iterations, Progress = progress },
            "sgd" => new MomentumGradientDescent<T> { MaxIterations = Iterations, LearningRate = LearningRate, BatchSize = BatchSize, Seed = Seed, Progress = progress },
            _ => new Adam<T> { MaxIterations = Iterations, LearningRate = LearningRate, BatchSize = BatchSize, Seed = Seed, Progress = progress },
        };
}
