// Calls every public entry point once per precision and engine, so the ahead-of-time compiler roots every
// kernel the library can run (all four widths: SimdPath picks one at run time). Running the program is not
// the point; compiling it is (see Disasm.csproj and bench/disasm.sh).
using HpcBackprop;

Run<float>();
Run<double>();

static void Run<T>()
    where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    var layout = new NetworkLayout(40, 25, 10);
    T[] theta = WeightInitializer.Create<T>(layout, seed: 1);
    const int m = 64;
    var x = new T[m * 40];
    int[] labels = new int[m];
    for (int t = 0; t < m; t++)
    {
        labels[t] = t % 10;
        x[(t * 40) + (t % 40)] = T.One;
    }

    var gradient = new T[layout.ParameterCount];
    foreach (BackpropagationEngine engine in Enum.GetValues<BackpropagationEngine>())
    {
        var options = new BackpropagationOptions { Engine = engine, MaxDegreeOfParallelism = 2 };
        T j = Backpropagation.CostAndGradient<T>(layout, theta, x, labels, T.One, gradient, options);
        Console.WriteLine($"{typeof(T).Name} {engine}: J = {j}");
    }

    var outputs = new T[m * 10];
    Backpropagation.Forward<T>(layout, theta, x, outputs);
    Backpropagation.Predict<T>(layout, theta, x, labels);
}
