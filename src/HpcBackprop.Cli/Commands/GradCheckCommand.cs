using System.Globalization;
using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Data;

namespace HpcBackprop.Cli.Commands;

/// <summary>hpcbackprop gradcheck: compare the library's gradient with central differences of its cost.</summary>
internal sealed class GradCheckCommand : Command
{
    public override string Name => "gradcheck";

    public override string Summary => "Check the library's gradient against finite differences (double precision).";

    public override IReadOnlyCollection<string> ValueOptions => ["layers", "examples", "lambda", "seed", "epsilon", "tolerance"];

    public override string Help =>
        "  --layers S1,S2,..    layout to check; default: a random small layout drawn from the seed\n" +
        "  --examples M         random examples; default 5\n" +
        "  --lambda X           regularization strength; default 1\n" +
        "  --seed N             seed of the layout, weights, features and labels; default 1\n" +
        "  --epsilon X          finite-difference step; default 1e-4\n" +
        "  --tolerance X        largest relative difference that passes; default 1e-7\n" +
        "Relative difference = norm(numeric - analytic) / norm(numeric + analytic), numeric = (J(t + e) - J(t - e)) / 2e.\n" +
        "Exit code 0 when it passes, 1 when it does not.\n";

    public override int Execute(Arguments args, CommandContext context)
    {
        ulong seed = args.GetULong("seed", 1);
        ulong state = seed;
        NetworkLayout layout = args.GetLayout("layers") ?? RandomLayout(ref state);
        int m = args.GetInt("examples", 5, 1, 100_000);
        double lambda = args.GetDouble("lambda", 1.0, 0);
        double epsilon = args.GetDouble("epsilon", 1e-4, 0, 1, minExclusive: true);
        double tolerance = args.GetDouble("tolerance", 1e-7, 0, 1, minExclusive: true);
        if ((long)layout.ParameterCount * m * layout.MaxLayerSize > 2_000_000_000)
        {
            throw new UsageException($"gradcheck: {layout} with {m} examples needs 2 P cost evaluations; pick a smaller layout or fewer examples.");
        }

        double[] theta = WeightInitializer.Create<double>(layout, seed);
        var features = new double[m * layout.InputSize];
        var labels = new int[m];
        for (int i = 0; i < features.Length; i++)
        {
            features[i] = (2 * SplitMix64.NextUnit(ref state)) - 1;
        }

        for (int t = 0; t < m; t++)
        {
            labels[t] = (int)(SplitMix64.NextUnit(ref state) * layout.OutputSize);
        }

        var analytic = new double[layout.ParameterCount];
        Backpropagation.CostAndGradient<double>(layout, theta, features, labels, lambda, analytic);
        double diffSquared = 0, sumSquared = 0, maxAbs = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            double saved = theta[i];
            theta[i] = saved + epsilon;
            double plus = Backpropagation.Cost<double>(layout, theta, features, labels, lambda);
            theta[i] = saved - epsilon;
            double minus = Backpropagation.Cost<double>(layout, theta, features, labels, lambda);
            theta[i] = saved;
            double numeric = (plus - minus) / (2 * epsilon);
            diffSquared += (numeric - analytic[i]) * (numeric - analytic[i]);
            sumSquared += (numeric + analytic[i]) * (numeric + analytic[i]);
            maxAbs = Math.Max(maxAbs, Math.Abs(numeric - analytic[i]));
        }

        double relative = sumSquared == 0 ? Math.Sqrt(diffSquared) : Math.Sqrt(diffSquared / sumSquared);
        bool pass = relative <= tolerance;
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"layout {layout} ({layout.ParameterCount} parameters), {m} examples, lambda {lambda}, epsilon {epsilon:G3}, seed {seed}"));
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"relative difference {relative:E3}, largest absolute difference {maxAbs:E3}: {(pass ? "PASS" : "FAIL")} (tolerance {tolerance:G3})"));
        return pass ? 0 : 1;
    }

    /// <summary>2 to 4 layers of 1 to 7 units: small enough for 2 P cost evaluations to be instant.</summary>
    private static NetworkLayout RandomLayout(ref ulong state)
    {
        int layers = 2 + (int)(SplitMix64.NextUnit(ref state) * 3);
        var sizes = new int[layers];
        for (int l = 0; l < layers; l++)
        {
            sizes[l] = 1 + (int)(SplitMix64.NextUnit(ref state) * 7);
        }

        return new NetworkLayout(sizes);
    }
}
