// Writes random cases and the library's answers as JSON lines for spec_reference.py, an independent
// implementation of docs/spec.md in plain Python: see README.md in this folder.
using System.Globalization;
using System.Text;
using HpcBackprop;

string output = args.Length > 0 ? args[0] : "artifacts/crosscheck/cases.jsonl";
int cases = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);

var engines = new (string Name, BackpropagationOptions Options)[]
{
    ("per-example", new BackpropagationOptions { Engine = BackpropagationEngine.PerExample }),
    ("batched-1", new BackpropagationOptions { Engine = BackpropagationEngine.Batched, MaxDegreeOfParallelism = 1 }),
    ("batched-2", new BackpropagationOptions { Engine = BackpropagationEngine.Batched, MaxDegreeOfParallelism = 2 }),
    ("automatic", BackpropagationOptions.Default),
};

var rng = new Random(20261127);
using var writer = new StreamWriter(output);
for (int c = 0; c < cases; c++)
{
    // L = 2..5 layers of 1..69 units (one case in three wide), m = 1..119 (one in four large), weights up to
    // +-3 (one in five) so some units saturate, lambda 0 in one case in seven, labels or targets (0/1 or in [0, 1]).
    int layers = rng.Next(2, 6);
    int[] sizes = new int[layers];
    for (int i = 0; i < layers; i++)
    {
        sizes[i] = rng.Next(1, c % 3 == 0 ? 70 : 12);
    }

    int m = rng.Next(1, c % 4 == 0 ? 120 : 10);
    var layout = new NetworkLayout(sizes);
    int k = sizes[^1];
    double scale = c % 5 == 0 ? 3.0 : 0.7;
    double[] theta = Uniform(rng, layout.ParameterCount, scale);
    double[] x = Uniform(rng, m * sizes[0], 1.0);
    bool useTargets = c % 3 == 1;
    int[] labels = new int[m];
    for (int i = 0; i < m; i++)
    {
        labels[i] = rng.Next(k);
    }

    double[] targets = new double[m * k];
    for (int i = 0; i < targets.Length; i++)
    {
        targets[i] = c % 2 == 0 ? rng.Next(2) : rng.NextDouble();
    }

    double lambda = c % 7 == 0 ? 0 : rng.NextDouble() * 3;
    float[] thetaF = ToFloat(theta), xF = ToFloat(x), targetsF = ToFloat(targets);

    var line = new StringBuilder();
    line.Append("{\"sizes\":").Append(JsonArray(sizes)).Append(",\"m\":").Append(m).Append(",\"lambda\":").Append(Json(lambda));
    line.Append(",\"theta\":").Append(JsonArray(theta)).Append(",\"x\":").Append(JsonArray(x));
    line.Append(useTargets ? ",\"targets\":" : ",\"labels\":").Append(useTargets ? JsonArray(targets) : JsonArray(labels));
    line.Append(",\"runs\":{");
    for (int e = 0; e < engines.Length; e++)
    {
        var options = engines[e].Options;
        double[] g = new double[theta.Length];
        double j = useTargets
            ? Backpropagation.CostAndGradient<double>(layout, theta, x, targets, lambda, g, options)
            : Backpropagation.CostAndGradient<double>(layout, theta, x, labels, lambda, g, options);
        float[] gF = new float[theta.Length];
        float jF = useTargets
            ? Backpropagation.CostAndGradient<float>(layout, thetaF, xF, targetsF, (float)lambda, gF, options)
            : Backpropagation.CostAndGradient<float>(layout, thetaF, xF, labels, (float)lambda, gF, options);
        line.Append(e > 0 ? "," : string.Empty).Append('"').Append(engines[e].Name).Append("\":{");
        line.Append("\"J\":").Append(Json(j)).Append(",\"g\":").Append(JsonArray(g));
        line.Append(",\"J_float\":").Append(Json(jF)).Append(",\"g_float\":").Append(JsonArray(Array.ConvertAll(gF, v => (double)v))).Append('}');
    }

    double[] h = new double[m * k];
    Backpropagation.Forward<double>(layout, theta, x, h);
    int[] classes = new int[m];
    Backpropagation.Predict<double>(layout, theta, x, classes);
    line.Append("},\"h\":").Append(JsonArray(h)).Append(",\"classes\":").Append(JsonArray(classes)).Append('}');
    writer.WriteLine(line.ToString());
}

Console.WriteLine($"{cases} cases written to {output}");

static double[] Uniform(Random rng, int count, double scale)
{
    double[] values = new double[count];
    for (int i = 0; i < count; i++)
    {
        values[i] = ((rng.NextDouble() * 2) - 1) * scale;
    }

    return values;
}

static float[] ToFloat(double[] values) => Array.ConvertAll(values, v => (float)v);

static string Json(double value) => value.ToString("R", CultureInfo.InvariantCulture);

// Floats go out widened to double, so the text holds their exact value.
static string JsonArray<T>(T[] values)
    where T : IFormattable
    => "[" + string.Join(',', values.Select(v => v.ToString(typeof(T) == typeof(int) ? null : "R", CultureInfo.InvariantCulture))) + "]";
