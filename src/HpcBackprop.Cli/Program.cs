using HpcBackprop.Cli.CommandLine;
using HpcBackprop.Cli.Commands;

namespace HpcBackprop.Cli;

/// <summary>
/// The hpcbackprop command: train, predict, gradcheck, bench, export-npy and import-npy. Exit codes: 0 success,
/// 1 data or model error, 2 usage error; errors go to stderr, results to stdout.
/// </summary>
public static class Program
{
    private static readonly Command[] Commands =
        [new TrainCommand(), new PredictCommand(), new GradCheckCommand(), new BenchCommand(), new ExportNpyCommand(), new ImportNpyCommand()];

    /// <summary>Process entry point: runs on the console's streams.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The exit code.</returns>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);

    /// <summary>Runs a command in-process with the given streams (what the tests call); the display is plain text.</summary>
    /// <param name="args">The command line, command name first.</param>
    /// <param name="stdout">Receives results.</param>
    /// <param name="stderr">Receives errors.</param>
    /// <returns>The exit code: 0 success, 1 data or model error, 2 usage error.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, interactive: false);

    /// <summary>Runs a command; <paramref name="interactive"/> selects the live Spectre.Console display over plain lines.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            WriteOverview(args.Length == 0 ? stderr : stdout);
            return args.Length == 0 ? 2 : 0;
        }

        Command? command = Array.Find(Commands, c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"hpcbackprop: unknown command '{args[0]}'.");
            WriteOverview(stderr);
            return 2;
        }

        try
        {
            Arguments parsed = Arguments.Parse(command.Name, args[1..], command.ValueOptions, command.Flags);
            if (parsed.Help)
            {
                stdout.WriteLine($"usage: hpcbackprop {command.Name} [options]");
                stdout.WriteLine();
                stdout.WriteLine(command.Summary);
                stdout.WriteLine();
                stdout.Write(command.Help);
                return 0;
            }

            return command.Execute(parsed, new CommandContext(stdout, stderr, interactive));
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"hpcbackprop {e.Message}");
            stderr.WriteLine($"See 'hpcbackprop {command.Name} --help'.");
            return 2;
        }
        catch (OutOfMemoryException)
        {
            stderr.WriteLine($"hpcbackprop {command.Name}: error: out of memory (is the data or the network larger than this machine can hold?).");
            return 1;
        }
        catch (Exception e) when (e is DataException or InvalidDataException or IOException or UnauthorizedAccessException
            or ArgumentException or ArithmeticException or NotSupportedException)
        {
            // ArgumentException and ArithmeticException come from the library on values it rejects (a lambda
            // that overflows float, a model that overflows on these features, training that diverged): a
            // message and exit code 1, not a stack trace.
            stderr.WriteLine($"hpcbackprop {command.Name}: error: {Plain(e)}");
            return 1;
        }
    }

    /// <summary>
    /// An exception's message for a user: without the " (Parameter 'x')" and "Actual value was" parts
    /// ArgumentException adds (they name a library parameter, not an option), and a directory's "access denied" said
    /// as what it is.
    /// </summary>
    internal static string Plain(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException { ParamName: { } name })
        {
            // ArgumentOutOfRangeException puts "Actual value was ..." on a line of its own after the suffix.
            message = message.Split('\n')[0].TrimEnd();
            if (message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal))
            {
                message = message[..^$" (Parameter '{name}')".Length];
            }
        }

        return e is UnauthorizedAccessException && DirectoryIn(message) is { } directory
            ? $"'{directory}' is a directory, not a file."
            : message;
    }

    // The quoted path of "Access to the path '...' is denied." when it is a directory.
    private static string? DirectoryIn(string message)
    {
        int start = message.IndexOf('\'', StringComparison.Ordinal), end = message.LastIndexOf('\'');
        string? path = start >= 0 && end > start ? message[(start + 1)..end] : null;
        return path is not null && Directory.Exists(path) ? path : null;
    }

    private static void WriteOverview(TextWriter writer)
    {
        writer.WriteLine("usage: hpcbackprop <command> [options]   (hpcbackprop <command> --help for its options)");
        writer.WriteLine();
        foreach (Command c in Commands)
        {
            writer.WriteLine($"  {c.Name,-12} {c.Summary}");
        }
    }
}
