using System.Runtime.InteropServices;
using System.Numerics;

namespace HpcBackprop.Models;

/// <summary>How a model stores its parameters; the value is the size of one element in bytes.</summary>
public enum ModelElementType
{
    /// <summary>IEEE 754 binary32, <see cref="float"/>.</summary>
    Single = 4,

    /// <summary>IEEE 754 binary64, <see cref="double"/>.</summary>
    Double = 8,
}

/// <summary>
/// A trained network: its layout, its flat parameter vector (Theta(1) first, row-major) in the precision it was
/// trained in, and the input normalization x' = (x - offset) * scale applied to each raw feature before scoring.
/// </summary>
/// <remarks>
/// The normalization belongs to the model because a network trained on scaled features gives wrong answers on
/// raw ones; keeping it in the model file lets a service score raw rows. Instances are immutable.
/// </remarks>
public sealed class NetworkModel
{
    private readonly float[]? _single;
    private readonly double[]? _double;
    private readonly double[] _offsets;
    private readonly double[] _scales;
    private readonly string[] _classLabels;

    private NetworkModel(NetworkLayout layout, float[]? single, double[]? @double, double[] offsets, double[] scales, string[]? classLabels = null, int labelColumn = -1)
    {
        Layout = layout;
        _single = single;
        _double = @double;
        _offsets = offsets;
        _scales = scales;
        _classLabels = classLabels ?? [];
        LabelColumn = labelColumn;
    }

    /// <summary>The network layout.</summary>
    public NetworkLayout Layout { get; }

    /// <summary>The precision the parameters are stored in.</summary>
    public ModelElementType ElementType => _single is not null ? ModelElementType.Single : ModelElementType.Double;

    /// <summary>The offset subtracted from each raw feature, s(1) values.</summary>
    public ReadOnlySpan<double> FeatureOffsets => _offsets;

    /// <summary>The factor each feature is multiplied by after the offset is subtracted, s(1) values.</summary>
    public ReadOnlySpan<double> FeatureScales => _scales;

    /// <summary>
    /// The names of the K classes, output unit k being class <c>ClassLabels[k]</c> (for example the labels of the
    /// training file, "setosa", "versicolor", ...), or empty when the classes are just the indices 0..K-1.
    /// </summary>
    public IReadOnlyList<string> ClassLabels => _classLabels;

    /// <summary>
    /// The 0-based column of the training data's table (s(1) + 1 columns) that held the label, so that files of the
    /// same layout can be read without naming it again; -1 when unknown.
    /// </summary>
    public int LabelColumn { get; }

    /// <summary>The name of class <paramref name="index"/>: its entry of <see cref="ClassLabels"/>, or the index itself.</summary>
    /// <param name="index">0 .. K-1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not an output unit.</exception>
    public string ClassLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Layout.OutputSize);
        return _classLabels.Length == 0 ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : _classLabels[index];
    }

    /// <summary>This model with class names and the training data's label column (see <see cref="ClassLabels"/>, <see cref="LabelColumn"/>).</summary>
    /// <param name="classLabels">K = s(L) distinct names, none empty, longer than <see cref="MaxClassLabelLength"/> or holding a control character; or empty.</param>
    /// <param name="labelColumn">0 .. s(1) (the training table had s(1) + 1 columns), or -1 for unknown.</param>
    /// <exception cref="ArgumentNullException"><paramref name="classLabels"/> or one of its names is null.</exception>
    /// <exception cref="ArgumentException">A name is invalid or repeated, or the count is neither K nor 0.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelColumn"/> is outside -1 .. s(1).</exception>
    public NetworkModel WithClassLabels(IReadOnlyList<string> classLabels, int labelColumn = -1)
    {
        ArgumentNullException.ThrowIfNull(classLabels);
        if (classLabels.Count != 0 && classLabels.Count != Layout.OutputSize)
        {
            throw new ArgumentException($"Expected K = s(L) = {Layout.OutputSize} class names (one per output unit) or none; got {classLabels.Count}.", nameof(classLabels));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(labelColumn, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(labelColumn, Layout.InputSize);
        var names = new string[classLabels.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < names.Length; k++)
        {
            string name = classLabels[k] ?? throw new ArgumentNullException(nameof(classLabels), $"Class name {k} is null.");
            if (name.Length == 0 || name.Length > MaxClassLabelLength || name.Any(char.IsControl))
            {
                throw new ArgumentException($"Class name {k} must have 1 to {MaxClassLabelLength} characters and no control characters (line breaks, tabs).", nameof(classLabels));
            }

            if (!IsValidUtf16(name))
            {
                throw new ArgumentException($"Class name {k} is not valid UTF-16 (an unpaired surrogate), so it cannot be stored as UTF-8.", nameof(classLabels));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"Class name {k}, '{name}', is repeated; each class needs its own name.", nameof(classLabels));
            }

            names[k] = name;
        }

        return new NetworkModel(Layout, _single, _double, _offsets, _scales, names, labelColumn);
    }

    private static bool IsValidUtf16(string text)
    {
        for (ReadOnlySpan<char> rest = text; !rest.IsEmpty;)
        {
            if (System.Text.Rune.DecodeFromUtf16(rest, out _, out int used) != System.Buffers.OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    /// <summary>The longest class name a model keeps, in UTF-16 characters.</summary>
    public const int MaxClassLabelLength = 256;

    /// <summary>Creates a model, copying the parameters and the normalization.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>: the stored precision.</typeparam>
    /// <param name="layout">The network layout.</param>
    /// <param name="parameters">The flat parameters, <see cref="NetworkLayout.ParameterCount"/> finite values.</param>
    /// <param name="featureOffsets">s(1) finite offsets, or empty for 0.</param>
    /// <param name="featureScales">s(1) finite scales, or empty for 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    /// <exception cref="ArgumentException">A length does not match the layout, or a value is NaN or infinite.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static NetworkModel Create<T>(
        NetworkLayout layout, ReadOnlySpan<T> parameters, ReadOnlySpan<double> featureOffsets = default, ReadOnlySpan<double> featureScales = default)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (parameters.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"Expected {layout.ParameterCount} parameters for layout {layout}; got {parameters.Length}.", nameof(parameters));
        }

        CheckFinite(parameters, nameof(parameters));
        double[] offsets = Normalization(layout, featureOffsets, 0.0, nameof(featureOffsets));
        double[] scales = Normalization(layout, featureScales, 1.0, nameof(featureScales));
        if (typeof(T) == typeof(float))
        {
            return new NetworkModel(layout, MemoryMarshal.Cast<T, float>(parameters).ToArray(), null, offsets, scales);
        }

        if (typeof(T) == typeof(double))
        {
            return new NetworkModel(layout, null, MemoryMarshal.Cast<T, double>(parameters).ToArray(), offsets, scales);
        }

        throw new NotSupportedException($"Models store float or double parameters; {typeof(T).Name} is not supported.");
    }

    /// <summary>A model with the same layout, normalization and class names and other parameters (for example imported from .npy).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>: the stored precision of the new model.</typeparam>
    /// <param name="parameters">The flat parameters, <see cref="NetworkLayout.ParameterCount"/> finite values.</param>
    /// <exception cref="ArgumentException">The length does not match the layout, or a value is NaN or infinite.</exception>
    public NetworkModel WithParameters<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Create(Layout, parameters, _offsets, _scales).WithClassLabels(_classLabels, LabelColumn);

    /// <summary>Copies the parameters into <paramref name="destination"/>, converting the precision if needed (double to float rounds to nearest).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="destination"><see cref="NetworkLayout.ParameterCount"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> has the wrong length.</exception>
    public void CopyParameters<T>(Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Layout.CheckParameterLength(destination.Length, nameof(destination));
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = _single is not null ? T.CreateTruncating(_single[i]) : T.CreateTruncating(_double![i]);
        }
    }

    /// <summary>A new array with the parameters, converted to <typeparamref name="T"/> if needed.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    public T[] GetParameters<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = new T[Layout.ParameterCount];
        CopyParameters<T>(parameters);
        return parameters;
    }

    /// <summary>Applies the input normalization to m rows of raw features: destination = (raw - offset) * scale, per column.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="raw">m x s(1) raw features, row-major.</param>
    /// <param name="destination">m x s(1) normalized features.</param>
    /// <exception cref="ArgumentException">The lengths differ or are not a multiple of s(1).</exception>
    public void NormalizeFeatures<T>(ReadOnlySpan<double> raw, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Layout.InputSize;
        if (raw.Length != destination.Length || raw.Length % n != 0)
        {
            throw new ArgumentException($"Expected raw and destination of equal length, a multiple of s(1) = {n}; got {raw.Length} and {destination.Length}.", nameof(destination));
        }

        for (int i = 0; i < raw.Length; i++)
        {
            int column = i % n;
            destination[i] = T.CreateTruncating((raw[i] - _offsets[column]) * _scales[column]);
        }
    }

    /// <summary>True when the parameters and normalization equal <paramref name="other"/>'s bit for bit (and the class names and label column are the same).</summary>
    /// <param name="other">Another model.</param>
    public bool BitwiseEquals(NetworkModel? other)
    {
        if (other is null || !Layout.Equals(other.Layout) || ElementType != other.ElementType)
        {
            return false;
        }

        bool parametersEqual = _single is not null
            ? MemoryMarshal.AsBytes(_single.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other._single.AsSpan()))
            : MemoryMarshal.AsBytes(_double.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other._double.AsSpan()));
        return parametersEqual
            && MemoryMarshal.AsBytes(_offsets.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other._offsets.AsSpan()))
            && MemoryMarshal.AsBytes(_scales.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(other._scales.AsSpan()))
            && _classLabels.AsSpan().SequenceEqual(other._classLabels)
            && LabelColumn == other.LabelColumn;
    }

    /// <summary>The raw parameter storage for the serializer: exactly one of the two is not null.</summary>
    internal (float[]? Single, double[]? Double) Storage => (_single, _double);

    private static double[] Normalization(NetworkLayout layout, ReadOnlySpan<double> values, double identity, string name)
    {
        if (values.IsEmpty)
        {
            var filled = new double[layout.InputSize];
            Array.Fill(filled, identity);
            return filled;
        }

        if (values.Length != layout.InputSize)
        {
            throw new ArgumentException($"Expected s(1) = {layout.InputSize} values (one per feature) or none; got {values.Length}.", name);
        }

        CheckFinite(values, name);
        return values.ToArray();
    }

    private static void CheckFinite<T>(ReadOnlySpan<T> values, string name)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException($"Expected finite values; element {i} is {values[i]}.", name);
            }
        }
    }
}
