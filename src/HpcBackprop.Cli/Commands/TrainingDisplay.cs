using System.Diagnostics;
using System.Globalization;
using HpcBackprop.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace HpcBackprop.Cli.Commands;

/// <summary>
/// Training progress: on a terminal a live Spectre.Console table refreshed a few times a second; when output is
/// redirected (CI logs, pipes, tests) about ten plain lines over the run, since a live display would fill a log
/// with redraw sequences.
/// </summary>
internal sealed class TrainingDisplay : IDisposable
{
    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(250);
    private readonly CommandContext _context;
    private readonly int _every;
    private readonly Table _table = new();
    private LiveDisplayContext? _live;
    private TimeSpan? _lastLive;
    private (OptimizationProgress Progress, long Examples, Func<double> Accuracy)? _unshown;

    public TrainingDisplay(CommandContext context, int iterations)
    {
        _context = context;
        _every = Math.Max(1, iterations / 10);
        foreach (string column in new[] { "iteration", "cost", "train accuracy", "examples/s", "elapsed" })
        {
            _table.AddColumn(new TableColumn(column).RightAligned());
        }
    }

    /// <summary>Runs <paramref name="work"/> inside the live display when interactive, directly otherwise.</summary>
    public OptimizationResult Run(Func<OptimizationResult> work)
    {
        if (!_context.Interactive)
        {
            return work();
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_context.Out) });
        OptimizationResult result = default;
        console.Live(_table).AutoClear(false).Start(live =>
        {
            _live = live;
            result = work();
            if (_unshown is { } last)
            {
                // The final iteration was inside the refresh interval: show it, so the table ends on the result.
                Show(last.Progress, last.Examples, last.Accuracy);
            }
        });
        _live = null;
        return result;
    }

    /// <summary>Shows one iteration; the training accuracy (a forward pass over the training set) is computed only when shown.</summary>
    public void Report(in OptimizationProgress p, long examples, Func<double> trainingAccuracy)
    {
        if (_live is not null)
        {
            if (_lastLive is { } last && p.Elapsed - last < LiveInterval)
            {
                _unshown = (p, examples, trainingAccuracy);
                return;
            }

            Show(p, examples, trainingAccuracy);
            return;
        }

        double rate = Rate(p, examples);
        if (p.Iteration % _every == 0 || p.Iteration == 1)
        {
            _context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"iter {p.Iteration,5}  cost {p.Cost,10:F6}  train acc {100 * trainingAccuracy(),6:F2}%  {rate,12:N0} examples/s  {p.Elapsed.TotalSeconds,7:F2} s"));
        }
    }

    public void Dispose() => _live = null;

    private static double Rate(in OptimizationProgress p, long examples) => examples / Math.Max(p.Elapsed.TotalSeconds, 1e-9);

    private void Show(in OptimizationProgress p, long examples, Func<double> trainingAccuracy)
    {
        _lastLive = p.Elapsed;
        _unshown = null;
        _table.Rows.Clear();
        _table.AddRow(
            Cell($"{p.Iteration}"), Cell($"{p.Cost:F6}"), Cell($"{100 * trainingAccuracy():F2}%"), Cell($"{Rate(p, examples):N0}"), Cell($"{p.Elapsed.TotalSeconds:F2} s"));
        _live!.Refresh();
    }

    private static IRenderable Cell(FormattableString text) => new Text(text.ToString(CultureInfo.InvariantCulture));
}
