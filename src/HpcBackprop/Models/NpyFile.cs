using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace HpcBackprop.Models;

/// <summary>The header of a .npy file: element type, memory order, shape, and where the data start.</summary>
/// <param name="ElementType">float32 ('&lt;f4') or float64 ('&lt;f8').</param>
/// <param name="FortranOrder">The 'fortran_order' flag (irrelevant for the one-dimensional arrays used here).</param>
/// <param name="Shape">The array's shape.</param>
/// <param name="DataOffset">The byte offset of the first element.</param>
public sealed record NpyHeader(ModelElementType ElementType, bool FortranOrder, IReadOnlyList<int> Shape, int DataOffset);

/// <summary>
/// Reads and writes a flat parameter vector as a NumPy .npy file (format 1.0: magic "\x93NUMPY", version,
/// header length, a Python dict literal with 'descr', 'fortran_order' and 'shape', then the raw elements),
/// so parameters can be inspected with <c>numpy.load</c> or loaded into PyTorch.
/// </summary>
/// <remarks>
/// Writes '&lt;f4' or '&lt;f8', C order, shape (P,), with the header padded so the data start on a 64-byte
/// boundary as NumPy does. Reads versions 1.0 to 3.0 with those element types and a one-dimensional shape;
/// anything else is an <see cref="InvalidDataException"/> naming the problem.
/// </remarks>
public static class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The .npy bytes of a one-dimensional array.</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="values">The elements.</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static byte[] Serialize<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string descr = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8"
            : throw new NotSupportedException($".npy export supports float and double; {typeof(T).Name} is not supported.");
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({values.Length},), }}");
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1; // + the terminating newline
        int headerLength = dict.Length + 1 + ((64 - (unpadded % 64)) % 64);
        int dataOffset = Magic.Length + 4 + headerLength;
        var bytes = new byte[dataOffset + (values.Length * Marshal.SizeOf<T>())];
        Span<byte> span = bytes;
        Magic.CopyTo(span);
        span[6] = 1; // version 1.0
        span[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)headerLength);
        span.Slice(10, headerLength - 1).Fill((byte)' ');
        Encoding.ASCII.GetBytes(dict, span[10..]);
        span[dataOffset - 1] = (byte)'\n';
        Span<byte> data = span[dataOffset..];
        MemoryMarshal.AsBytes(values).CopyTo(data);
        if (!BitConverter.IsLittleEndian)
        {
            Endian.Reverse(data, Marshal.SizeOf<T>());
        }

        return bytes;
    }

    /// <summary>Writes a one-dimensional .npy file atomically (temporary file, flush, rename).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="values">The elements.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<T>(string path, ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AtomicFile.WriteAllBytes(path, Serialize(values));

    /// <summary>Parses and validates the header of .npy data.</summary>
    /// <param name="data">The file's bytes (at least the header).</param>
    /// <param name="source">A name for the data in error messages, usually the path.</param>
    /// <returns>The header.</returns>
    /// <exception cref="InvalidDataException">The data are not a .npy file this reader supports; the message says why.</exception>
    public static NpyHeader ReadHeader(ReadOnlySpan<byte> data, string source = "npy data")
    {
        if (data.Length < 10 || !data[..6].SequenceEqual(Magic))
        {
            throw Invalid(source, "not a .npy file (missing the \\x93NUMPY magic string)");
        }

        int major = data[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
                headerStart = 10;
                break;
            case 2 or 3:
                if (data.Length < 12)
                {
                    throw Invalid(source, "truncated header");
                }

                uint length = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                headerLength = length <= int.MaxValue - 12 ? (int)length : throw Invalid(source, $"header length {length} is implausible");
                headerStart = 12;
                break;
            default:
                throw Invalid(source, $"format version {major}.{data[7]} is not supported (1.0, 2.0 and 3.0 are)");
        }

        if (data.Length < headerStart + headerLength)
        {
            throw Invalid(source, $"truncated: the header declares {headerLength} bytes but only {data.Length - headerStart} follow");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(data.Slice(headerStart, headerLength));
        }
        catch (DecoderFallbackException)
        {
            throw Invalid(source, "the header is not valid text");
        }

        Dictionary<string, object> dict = HeaderParser.Parse(text, source);
        string descr = dict.TryGetValue("descr", out object? d) && d is string s ? s : throw Invalid(source, "the header has no 'descr' string");
        ModelElementType type = descr switch
        {
            "<f4" => ModelElementType.Single,
            "<f8" => ModelElementType.Double,
            _ => throw Invalid(source, $"element type '{descr}' is not supported (expected '<f4' or '<f8': little-endian float32 or float64)"),
        };
        bool fortran = dict.TryGetValue("fortran_order", out object? f) && f is bool b ? b : throw Invalid(source, "the header has no 'fortran_order' True/False");
        int[] shape = dict.TryGetValue("shape", out object? sh) && sh is int[] dims ? dims : throw Invalid(source, "the header has no 'shape' tuple");
        return new NpyHeader(type, fortran, shape, headerStart + headerLength);
    }

    /// <summary>Reads a one-dimensional float32 or float64 array, converting it to <typeparamref name="T"/> (double to float rounds to nearest).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="data">The file's bytes.</param>
    /// <param name="source">A name for the data in error messages, usually the path.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="InvalidDataException">The data are not a supported one-dimensional .npy array, or their length disagrees with the shape.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static T[] Deserialize<T>(ReadOnlySpan<byte> data, string source = "npy data")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($".npy import supports float and double; {typeof(T).Name} is not supported.");
        }

        NpyHeader header = ReadHeader(data, source);
        if (header.Shape.Count != 1)
        {
            throw Invalid(source, $"shape ({string.Join(", ", header.Shape)}) is not one-dimensional; expected a flat parameter vector (P,)");
        }

        int count = header.Shape[0];
        int size = (int)header.ElementType;
        long expected = header.DataOffset + ((long)count * size);
        if (data.Length != expected)
        {
            throw Invalid(source, $"{data.Length} bytes, but shape ({count},) of {size}-byte elements after a {header.DataOffset}-byte header takes {expected}");
        }

        ReadOnlySpan<byte> payload = data[header.DataOffset..];
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = size == 4
                ? T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(payload[(4 * i)..]))
                : T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(payload[(8 * i)..]));
        }

        return values;
    }

    /// <summary>Reads the one-dimensional .npy file at <paramref name="path"/> (see <see cref="Deserialize{T}"/>).</summary>
    /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
    /// <param name="path">The file.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="InvalidDataException">The file is not a supported one-dimensional .npy array.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static T[] Load<T>(string path)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Deserialize<T>(File.ReadAllBytes(path), path);

    private static InvalidDataException Invalid(string source, string what) => new($"{source}: {what}.");

    /// <summary>
    /// A parser for the one Python literal .npy headers hold: a dict of string keys to strings, True/False and
    /// tuples of non-negative integers, e.g. <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (10,), }</c>.
    /// </summary>
    private ref struct HeaderParser(string text, string source)
    {
        private readonly string _text = text;
        private readonly string _source = source;
        private int _position;

        public static Dictionary<string, object> Parse(string text, string source)
        {
            var parser = new HeaderParser(text, source);
            Dictionary<string, object> dict = parser.ParseDict();
            parser.SkipSpace();
            if (parser._position != text.Length)
            {
                throw parser.Error("unexpected text after the header dict");
            }

            return dict;
        }

        private Dictionary<string, object> ParseDict()
        {
            Expect('{');
            var dict = new Dictionary<string, object>(StringComparer.Ordinal);
            while (true)
            {
                SkipSpace();
                if (TryConsume('}'))
                {
                    return dict;
                }

                string key = ParseString();
                Expect(':');
                SkipSpace();
                if (!dict.TryAdd(key, ParseValue()))
                {
                    throw Error($"duplicate key '{key}'");
                }

                SkipSpace();
                if (!TryConsume(','))
                {
                    Expect('}');
                    return dict;
                }
            }
        }

        private object ParseValue()
        {
            if (Peek() is '\'' or '"')
            {
                return ParseString();
            }

            if (Peek() == '(')
            {
                return ParseTuple();
            }

            foreach ((string word, bool value) in new[] { ("True", true), ("False", false) })
            {
                if (string.CompareOrdinal(_text, _position, word, 0, word.Length) == 0)
                {
                    _position += word.Length;
                    return value;
                }
            }

            throw Error("expected a string, a tuple, True or False");
        }

        private int[] ParseTuple()
        {
            Expect('(');
            var dims = new List<int>();
            while (true)
            {
                SkipSpace();
                if (TryConsume(')'))
                {
                    return [.. dims];
                }

                int start = _position;
                while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
                {
                    _position++;
                }

                if (!int.TryParse(_text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture, out int dim))
                {
                    throw Error("expected a dimension (a non-negative integer that fits 32 bits)");
                }

                dims.Add(dim);
                SkipSpace();
                if (!TryConsume(','))
                {
                    Expect(')');
                    return [.. dims];
                }
            }
        }

        private string ParseString()
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Error("expected a quoted string");
            }

            int end = _text.IndexOf(quote, _position + 1);
            if (end < 0)
            {
                throw Error("unterminated string");
            }

            string value = _text.Substring(_position + 1, end - _position - 1);
            _position = end + 1;
            return value;
        }

        private void SkipSpace()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
            {
                _position++;
            }
        }

        private readonly char Peek() => _position < _text.Length ? _text[_position] : '\0';

        private bool TryConsume(char c)
        {
            SkipSpace();
            if (Peek() != c)
            {
                return false;
            }

            _position++;
            return true;
        }

        private void Expect(char c)
        {
            if (!TryConsume(c))
            {
                throw Error($"expected '{c}'");
            }
        }

        private readonly InvalidDataException Error(string what) => Invalid(_source, $"bad header at character {_position}: {what}");
    }
}
