using System.Globalization;

namespace HpcBackprop.Cli.CommandLine;

/// <summary>
/// The options of one command: <c>--name value</c>, <c>--name=value</c> and bare flags, checked against the
/// command's declared options so a typo is a usage error rather than silently ignored.
/// </summary>
internal sealed class Arguments
{
    private readonly string _command;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments(string command) => _command = command;

    /// <summary>True when --help or -h was given.</summary>
    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="tokens"/> (everything after the command name).</summary>
    /// <exception cref="UsageException">An unknown option, a missing value, a repeated option or a stray argument.</exception>
    public static Arguments Parse(string command, IReadOnlyList<string> tokens, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags)
    {
        var args = new Arguments(command);
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (token is "--help" or "-h")
            {
                args.Help = true;
                continue;
            }

            if (!token.StartsWith("--", StringComparison.Ordinal) || token.Length == 2)
            {
                throw new UsageException($"{command}: unexpected argument '{token}' (options start with --).");
            }

            int equals = token.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? token[2..] : token[2..equals];
            if (flags.Contains(name))
            {
                if (equals >= 0)
                {
                    throw new UsageException($"{command}: --{name} is a flag and takes no value.");
                }

                args._flags.Add(name);
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"{command}: unknown option '--{name}'.");
            }

            string value;
            if (equals >= 0)
            {
                value = token[(equals + 1)..];
            }
            else if (i + 1 < tokens.Count)
            {
                value = tokens[++i];
            }
            else
            {
                throw new UsageException($"{command}: --{name} needs a value.");
            }

            if (!args._values.TryAdd(name, value))
            {
                throw new UsageException($"{command}: --{name} is given twice.");
            }
        }

        return args;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"{_command}: --{name} is required.");

    public int GetInt(string name, int defaultValue, int min, int max = int.MaxValue)
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException(max == int.MaxValue
                ? $"{_command}: --{name} expects a whole number >= {min}; got '{text}'."
                : $"{_command}: --{name} expects a whole number in {min}..{max}; got '{text}'.");
    }

    public ulong GetULong(string name, ulong defaultValue)
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)
            ? value
            : throw new UsageException($"{_command}: --{name} expects a non-negative whole number; got '{text}'.");
    }

    public double GetDouble(string name, double defaultValue, double min, double max = double.MaxValue, bool minExclusive = false)
    {
        string? text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }

        bool ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            && double.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
        return ok
            ? value
            : throw new UsageException($"{_command}: --{name} expects a number {(minExclusive ? ">" : ">=")} {min.ToString(CultureInfo.InvariantCulture)}{(max < double.MaxValue ? $" and <= {max.ToString(CultureInfo.InvariantCulture)}" : "")}; got '{text}'.");
    }

    public string GetChoice(string name, string defaultValue, params string[] choices)
    {
        string value = Get(name) ?? defaultValue;
        return choices.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new UsageException($"{_command}: --{name} expects one of {string.Join(", ", choices)}; got '{value}'.");
    }

    public NetworkLayout? GetLayout(string name)
    {
        string? text = Get(name);
        if (text is null)
        {
            return null;
        }

        try
        {
            return NetworkLayout.Parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new UsageException($"{_command}: --{name} '{text}': {Program.Plain(e)}");
        }
    }
}
