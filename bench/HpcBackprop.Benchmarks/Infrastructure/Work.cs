namespace HpcBackprop.Benchmarks.Infrastructure;

/// <summary>
/// The work one invocation of a benchmark does, counted from its shape (never measured): floating-point
/// operations, bytes moved under a stated traffic model, and the bytes the operation touches (its working
/// set, which decides which cache level's bandwidth is the fair ceiling).
/// </summary>
/// <param name="Flops">Floating-point operations (an FMA counts 2).</param>
/// <param name="Bytes">Bytes read plus written under the model named in <paramref name="Model"/>.</param>
/// <param name="WorkingSetBytes">Distinct bytes the operation touches.</param>
/// <param name="Threads">Threads it may use: the FMA ceiling is the per-core peak times this.</param>
/// <param name="ElementBytes">4 for float, 8 for double: which FMA peak applies.</param>
/// <param name="Model">One line saying how <paramref name="Bytes"/> was counted.</param>
public sealed record WorkCount(double Flops, double Bytes, double WorkingSetBytes, int Threads, int ElementBytes, string Model)
{
    /// <summary>Flops per byte: the x coordinate of the roofline.</summary>
    public double ArithmeticIntensity => Bytes > 0 ? Flops / Bytes : double.NaN;
}

/// <summary>
/// Implemented by every benchmark class: the columns build a fresh instance in the host process, set its
/// [Params] from the benchmark case and ask it for the work of one method call. It must depend on the
/// parameters only (no setup has run).
/// </summary>
public interface IWorkCounted
{
    /// <summary>The work of one call of the benchmark method <paramref name="method"/>.</summary>
    WorkCount Work(string method);
}
