using HpcBackprop.Cli.CommandLine;

namespace HpcBackprop.Cli.Commands;

/// <summary>Where a command writes: results to <see cref="Out"/>, errors to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="Interactive">True when <see cref="Out"/> is a terminal: live displays instead of periodic plain lines.</param>
internal sealed record CommandContext(TextWriter Out, TextWriter Error, bool Interactive);

/// <summary>One subcommand of hpcbackprop: its name, options and help text, and what it does.</summary>
internal abstract class Command
{
    public abstract string Name { get; }

    public abstract string Summary { get; }

    /// <summary>The full --help text after the usage line.</summary>
    public abstract string Help { get; }

    public virtual IReadOnlyCollection<string> ValueOptions => [];

    public virtual IReadOnlyCollection<string> Flags => [];

    /// <summary>Runs the command; returns the exit code. Throws <see cref="UsageException"/> or <see cref="DataException"/> for errors.</summary>
    public abstract int Execute(Arguments args, CommandContext context);
}
