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
        if (save is not null)
        {
            OutputPath.Check("train", "--save", save); // checked now rather than found out after a long training run
        }

        Dataset data = DataOptions.LoadLabelled(args);
        return new TrainSettings(data, DataOptions.IsCustom(args), layout, lambda, optimizer, iterations, learningRate, batchSize, useDouble, threads, seed, testFraction, save);
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
