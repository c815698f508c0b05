namespace HpcBackprop.Cli.CommandLine;

/// <summary>A mistake in the command line: exit code 2, the message and a pointer to --help on stderr.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Bad input data or model: exit code 1, the message (naming file, line and column where known) on stderr.</summary>
internal sealed class DataException(string message) : Exception(message);
