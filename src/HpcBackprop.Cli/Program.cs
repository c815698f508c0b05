namespace HpcBackprop.Cli;

/// <summary>The hpcbackprop command (commands arrive with the CLI issue).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("hpcbackprop: no commands yet");
        return 2;
    }
}
