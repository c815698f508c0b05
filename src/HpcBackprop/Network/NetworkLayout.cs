using System.Collections.ObjectModel;

namespace HpcBackprop;

/// <summary>
/// The shape of a fully connected sigmoid network: the unit counts s(1)..s(L) of its layers and,
/// derived from them, the shape and the place of every weight matrix Theta(l) in the flat
/// parameter vector.
/// </summary>
/// <remarks>
/// Theta(l) maps layer l to layer l+1 and has s(l+1) rows and s(l)+1 columns; column 0 multiplies
/// the bias unit. Matrices are stored row-major, one after another, Theta(1) first; the gradient
/// uses the same layout. Methods that take a <c>index</c> count weight matrices from 0:
/// index 0 is Theta(1), index <see cref="LayerCount"/> - 2 is Theta(L-1).
/// </remarks>
public sealed class NetworkLayout : IEquatable<NetworkLayout>
{
    private readonly int[] _sizes;
    private readonly int[] _offsets; // offsets[i] = first element of Theta(i+1); offsets[L-1] = ParameterCount

    /// <summary>Creates a layout from the unit counts of every layer, input first, output last.</summary>
    /// <param name="layerSizes">s(1)..s(L): at least two sizes, each at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layerSizes"/> is null.</exception>
    /// <exception cref="ArgumentException">Fewer than two layers are given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or the parameter count exceeds <see cref="int.MaxValue"/>.</exception>
    public NetworkLayout(params int[] layerSizes)
        : this((ReadOnlySpan<int>)(layerSizes ?? throw new ArgumentNullException(nameof(layerSizes))))
    {
    }

    /// <summary>Creates a layout from the unit counts of every layer, input first, output last.</summary>
    /// <param name="layerSizes">s(1)..s(L): at least two sizes, each at least 1.</param>
    /// <exception cref="ArgumentException">Fewer than two layers are given.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is less than 1, or the parameter count exceeds <see cref="int.MaxValue"/>.</exception>
    public NetworkLayout(ReadOnlySpan<int> layerSizes)
    {
        if (layerSizes.Length < 2)
        {
            throw new ArgumentException(
                $"A network needs at least 2 layers (input and output); got {layerSizes.Length}.", nameof(layerSizes));
        }

        for (int i = 0; i < layerSizes.Length; i++)
        {
            if (layerSizes[i] < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(layerSizes), layerSizes[i],
                    $"Every layer needs at least 1 unit; layer {i + 1} of {layerSizes.Length} has {layerSizes[i]}.");
            }
        }

        _sizes = layerSizes.ToArray();
        _offsets = new int[_sizes.Length];
        long offset = 0;
        int maxWidth = 0;
        for (int i = 0; i < _sizes.Length - 1; i++)
        {
            _offsets[i] = (int)offset;
            offset += (long)_sizes[i + 1] * ((long)_sizes[i] + 1); // s(l) + 1 in 64 bits: s(l) may be int.MaxValue
            if (offset > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(layerSizes), offset,
                    "The network has more parameters than a span can index (int.MaxValue).");
            }
        }

        foreach (int s in _sizes)
        {
            maxWidth = Math.Max(maxWidth, s);
        }

        _offsets[^1] = (int)offset;
        MaxLayerSize = maxWidth;
        Sizes = new ReadOnlyCollection<int>(_sizes);
    }

    /// <summary>L, the number of layers, input and output included (at least 2).</summary>
    public int LayerCount => _sizes.Length;

    /// <summary>The number of weight matrices, L - 1.</summary>
    public int ThetaCount => _sizes.Length - 1;

    /// <summary>s(1)..s(L), input first.</summary>
    public IReadOnlyList<int> Sizes { get; }

    /// <summary>s(1), the number of features of an example.</summary>
    public int InputSize => _sizes[0];

    /// <summary>s(L) = K, the number of outputs (classes).</summary>
    public int OutputSize => _sizes[^1];

    /// <summary>The largest s(l) over all layers.</summary>
    public int MaxLayerSize { get; }

    /// <summary>The length of the flat parameter vector: the sum over l of s(l+1) (s(l) + 1).</summary>
    public int ParameterCount => _offsets[^1];

    /// <summary>The unit count s(layer + 1) of a layer; <paramref name="layer"/> counts from 0 (the input).</summary>
    /// <param name="layer">0 .. <see cref="LayerCount"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is outside 0 .. L-1.</exception>
    public int LayerSize(int layer)
    {
        if ((uint)layer >= (uint)_sizes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"Expected a layer index in 0..{_sizes.Length - 1}.");
        }

        return _sizes[layer];
    }

    /// <summary>The row count of Theta(index + 1): s(index + 2).</summary>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public int ThetaRows(int index) => _sizes[CheckIndex(index) + 1];

    /// <summary>The column count of Theta(index + 1): s(index + 1) + 1, the bias column included.</summary>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public int ThetaColumns(int index) => _sizes[CheckIndex(index)] + 1;

    /// <summary>The offset of Theta(index + 1)'s first element in the flat parameter vector.</summary>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public int ThetaOffset(int index) => _offsets[CheckIndex(index)];

    /// <summary>The number of elements of Theta(index + 1): rows times columns.</summary>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public int ThetaLength(int index) => _offsets[CheckIndex(index) + 1] - _offsets[index];

    /// <summary>A writable view of Theta(index + 1) inside a flat parameter (or gradient) vector, without copying.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="parameters">The flat vector, exactly <see cref="ParameterCount"/> long.</param>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not <see cref="ParameterCount"/> long.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public MatrixSpan<T> Theta<T>(Span<T> parameters, int index)
    {
        CheckParameterLength(parameters.Length, nameof(parameters));
        int rows = ThetaRows(index), columns = ThetaColumns(index);
        return new MatrixSpan<T>(parameters.Slice(_offsets[index], rows * columns), rows, columns);
    }

    /// <summary>A read-only view of Theta(index + 1) inside a flat parameter (or gradient) vector, without copying.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="parameters">The flat vector, exactly <see cref="ParameterCount"/> long.</param>
    /// <param name="index">0 .. L-2; 0 is Theta(1).</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not <see cref="ParameterCount"/> long.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside 0 .. L-2.</exception>
    public ReadOnlyMatrixSpan<T> Theta<T>(ReadOnlySpan<T> parameters, int index)
    {
        CheckParameterLength(parameters.Length, nameof(parameters));
        int rows = ThetaRows(index), columns = ThetaColumns(index);
        return new ReadOnlyMatrixSpan<T>(parameters.Slice(_offsets[index], rows * columns), rows, columns);
    }

    /// <summary>A layout as its sizes joined by dashes, for example <c>400-25-10</c>.</summary>
    public override string ToString() => string.Join('-', _sizes);

    /// <summary>Layouts are equal when their layer sizes are.</summary>
    public bool Equals(NetworkLayout? other) => other is not null && _sizes.AsSpan().SequenceEqual(other._sizes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as NetworkLayout);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int s in _sizes)
        {
            hash.Add(s);
        }

        return hash.ToHashCode();
    }

    /// <summary>Parses a layout written as sizes separated by dashes, commas or <c>x</c>, such as <c>64-25-10</c>, <c>64,25,10</c> or <c>64x25x10</c>.</summary>
    /// <param name="text">The sizes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException">A part is not a whole number.</exception>
    /// <exception cref="ArgumentException">The sizes do not make a layout (see the constructor).</exception>
    public static NetworkLayout Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(['-', ',', 'x'], StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sizes[i]))
            {
                throw new FormatException(parts[i].Length == 0
                    ? $"Layer sizes must be positive whole numbers separated by '-', ',' or 'x'; '{text}' has an empty one (two separators in a row, one at an end, or a minus sign)."
                    : $"Layer sizes must be positive whole numbers separated by '-', ',' or 'x'; '{parts[i]}' in '{text}' is not.");
            }
        }

        return new NetworkLayout(sizes);
    }

    internal void CheckParameterLength(int length, string paramName)
    {
        if (length != ParameterCount)
        {
            throw new ArgumentException(
                $"Expected a flat vector of {ParameterCount} elements for layout {this} (Theta(1) first, row-major); got {length}.",
                paramName);
        }
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)(_sizes.Length - 1))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"Expected a weight-matrix index in 0..{_sizes.Length - 2} (0 is Theta(1)).");
        }

        return index;
    }
}
