using System.Globalization;
using System.Text.RegularExpressions;
using HpcBackprop.Cli;

namespace HpcBackprop.Tests.Cli;

/// <summary>Runs the hpcbackprop command in-process and captures its streams.</summary>
internal static partial class CliRunner
{
    public static (int Code, string Out, string Error) Run(params string[] args) => Run(false, args);

    /// <summary>Runs with the live display (interactive) or the plain lines (as when output is redirected).</summary>
    public static (int Code, string Out, string Error) Run(bool interactive, params string[] args)
    {
        using var stdout = new StringWriter(CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = interactive ? Program.Run(args, stdout, stderr, interactive: true) : Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The percentage on the first line that starts with <paramref name="prefix"/> and has "accuracy N%".</summary>
    public static double Accuracy(string output, string prefix)
    {
        Match match = AccuracyLine().Matches(output).First(m => m.Groups[1].Value.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^(\w*)\s*accuracy (\d+(?:\.\d+)?)%", RegexOptions.Multiline)]
    private static partial Regex AccuracyLine();
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hpcb-cli-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
