namespace HpcBackprop.Kernels.Simd;

/// <summary>
/// A compile-time count (1 to 4) of the terms or examples one pass of a micro-kernel serves. A kernel
/// takes it as a generic struct argument and tests <c>TCount.Value</c> in its body; the JIT specializes
/// each instantiation and folds those tests, so one loop serves every count without dead work.
/// </summary>
internal interface ITermCount
{
    static abstract int Value { get; }
}

/// <summary>One term per pass.</summary>
internal readonly struct Terms1 : ITermCount
{
    public static int Value => 1;
}

/// <summary>Two terms per pass.</summary>
internal readonly struct Terms2 : ITermCount
{
    public static int Value => 2;
}

/// <summary>Three terms per pass.</summary>
internal readonly struct Terms3 : ITermCount
{
    public static int Value => 3;
}

/// <summary>Four terms per pass.</summary>
internal readonly struct Terms4 : ITermCount
{
    public static int Value => 4;
}
