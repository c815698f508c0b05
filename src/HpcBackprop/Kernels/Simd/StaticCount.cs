namespace HpcBackprop.Kernels.Simd;

/// <summary>
/// A compile-time count (1 to 8) of the terms, rows or examples one pass of a micro-kernel serves. A kernel
/// takes it as a generic struct argument and tests <c>TCount.Value</c> in its body; the JIT specializes
/// each instantiation and folds those tests, so one loop serves every count without dead work.
/// </summary>
internal interface IStaticCount
{
    static abstract int Value { get; }
}

/// <summary>One per pass.</summary>
internal readonly struct Count1 : IStaticCount
{
    public static int Value => 1;
}

/// <summary>Two per pass.</summary>
internal readonly struct Count2 : IStaticCount
{
    public static int Value => 2;
}

/// <summary>Three per pass.</summary>
internal readonly struct Count3 : IStaticCount
{
    public static int Value => 3;
}

/// <summary>Four per pass.</summary>
internal readonly struct Count4 : IStaticCount
{
    public static int Value => 4;
}

/// <summary>Five per pass.</summary>
internal readonly struct Count5 : IStaticCount
{
    public static int Value => 5;
}

/// <summary>Six per pass.</summary>
internal readonly struct Count6 : IStaticCount
{
    public static int Value => 6;
}

/// <summary>Seven per pass.</summary>
internal readonly struct Count7 : IStaticCount
{
    public static int Value => 7;
}

/// <summary>Eight per pass.</summary>
internal readonly struct Count8 : IStaticCount
{
    public static int Value => 8;
}

/// <summary>A yes/no fixed at JIT time, the way <see cref="IStaticCount"/> fixes a count: a kernel tests <c>TFlag.Value</c>
/// and the JIT keeps only the taken branch.</summary>
internal interface IStaticFlag
{
    static abstract bool Value { get; }
}

/// <summary>The flag set.</summary>
internal readonly struct Yes : IStaticFlag
{
    public static bool Value => true;
}

/// <summary>The flag clear.</summary>
internal readonly struct No : IStaticFlag
{
    public static bool Value => false;
}
