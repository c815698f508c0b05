namespace HpcBackprop.Kernels;

/// <summary>Shape checks shared by the kernels: every kernel checks all its spans before it writes anything.</summary>
internal static class KernelArguments
{
    public static void CheckLength(int actual, int expected, string paramName)
    {
        if (actual != expected)
        {
            Throw(actual, expected, paramName);
        }
    }

    public static void CheckMatrix(int actual, int rows, int columns, string paramName)
    {
        if (rows < 0 || columns < 1 || actual != rows * columns)
        {
            throw new ArgumentException($"Expected a {rows} x {columns} matrix ({rows * columns} elements, columns >= 1); got {actual} elements.", paramName);
        }
    }

    /// <summary>A block of examples may be empty but not negative (a negative count times 0 would pass the length checks).</summary>
    public static void CheckCount(int count, string paramName)
    {
        if (count < 0)
        {
            throw new ArgumentException($"Expected a count >= 0; got {count}.", paramName);
        }
    }

    private static void Throw(int actual, int expected, string paramName)
        => throw new ArgumentException($"Expected {expected} elements; got {actual}.", paramName);
}
