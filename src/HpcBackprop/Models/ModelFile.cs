using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace HpcBackprop.Models;

/// <summary>
/// The model file format (.hpcb), versions 1 and 2. All numbers little-endian:
/// <code>
/// offset        size      content
/// 0             8         magic 0x89 'H' 'P' 'C' 'B' '\r' '\n' 0x1A (PNG-style: catches text-mode transfers)
/// 8             2         format version, 1 or 2
/// 10            1         element type: 4 = float32, 8 = float64 (the element size in bytes)
/// 11            1         reserved, 0
/// 12            4         L, the layer count, 2..1024
/// 16            4 L       s(1)..s(L), each at least 1
/// (version 2)   4         B, the byte length of the class metadata below
/// H             8 s(1)    feature offsets, float64
/// .             8 s(1)    feature scales, float64
/// .             e P       the parameters, Theta(1) first, row-major (P from the sizes, e the element size)
/// (version 2)   B         class metadata: the label column (int32, -1 = unknown), the class-name count N
///                         (int32, 0 or s(L)), then N names, each an int32 byte length and that many UTF-8 bytes
/// end - 4       4         CRC-32 (zlib's) of every byte before it
/// </code>
/// A model without class names or label column is written as version 1, which older builds read too.
/// </summary>
/// <remarks>
/// Loading checks the magic, version, element type, sizes, the exact file length the header implies, the
/// checksum and that every number is finite, and throws <see cref="InvalidDataException"/> naming what is wrong.
/// Saving writes a temporary file in the same directory, flushes it to disk and renames it over the target,
/// so a crash never leaves a half-written model under the target name.
/// </remarks>
public static class ModelFile
{
    /// <summary>The newest version this build writes and reads (it reads version 1 too).</summary>
    public const int FormatVersion = 2;

    /// <summary>The largest layer count a file may declare (a sanity bound before anything is allocated).</summary>
    public const int MaxLayerCount = 1024;

    private const int FixedHeaderSize = 16;
    private const int ChecksumSize = 4;

    // Class names: UTF-8 without a byte-order mark, invalid bytes an error rather than U+FFFD.
    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'H', (byte)'P', (byte)'C', (byte)'B', 0x0D, 0x0A, 0x1A];

    /// <summary>The file's bytes for <paramref name="model"/>.</summary>
    /// <param name="model">The model.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static byte[] Serialize(NetworkModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        NetworkLayout layout = model.Layout;
        int elementSize = (int)model.ElementType;
        byte[]? metadata = Metadata(model);
        int version = metadata is null ? 1 : 2;
        long length = ExpectedLength(layout, elementSize, metadata?.Length);
        var bytes = new byte[length];
        Span<byte> span = bytes;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)version);
        span[10] = (byte)elementSize;
        span[11] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], layout.LayerCount);
        int position = FixedHeaderSize;
        foreach (int size in layout.Sizes)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[position..], size);
            position += 4;
        }

        if (metadata is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[position..], metadata.Length);
            position += 4;
        }

        position += WriteLittleEndian(model.FeatureOffsets, span[position..]);
        position += WriteLittleEndian(model.FeatureScales, span[position..]);
        (float[]? single, double[]? @double) = model.Storage;
        position += single is not null ? WriteLittleEndian<float>(single, span[position..]) : WriteLittleEndian<double>(@double!, span[position..]);
        if (metadata is not null)
        {
            metadata.CopyTo(span[position..]);
            position += metadata.Length;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[position..], Crc32.Compute(span[..position]));
        return bytes;
    }

    /// <summary>Reads a model from a file's bytes, validating everything.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="source">A name for the data in error messages, usually the path.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The data are not a valid model file (version 1 or 2); the message says what is wrong.</exception>
    public static NetworkModel Deserialize(ReadOnlySpan<byte> data, string source = "model data")
    {
        if (data.Length < Magic.Length || !data[..Magic.Length].SequenceEqual(Magic))
        {
            bool prefixMatches = data.Length < Magic.Length && data.SequenceEqual(Magic[..data.Length]);
            throw Invalid(source, prefixMatches
                ? $"truncated: {data.Length} bytes, shorter than the {FixedHeaderSize}-byte header"
                : "not an HpcBackprop model file (the first 8 bytes are not the .hpcb magic number)");
        }

        if (data.Length < FixedHeaderSize)
        {
            throw Invalid(source, $"truncated: {data.Length} bytes, shorter than the {FixedHeaderSize}-byte header");
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(data[8..]);
        if (version is not (1 or 2))
        {
            throw Invalid(source, $"format version {version} is not supported (this build reads versions 1 and {FormatVersion})");
        }

        int elementSize = data[10];
        if (elementSize is not (4 or 8))
        {
            throw Invalid(source, $"unknown element type code {elementSize} at byte 10 (expected 4 for float32 or 8 for float64)");
        }

        if (data[11] != 0)
        {
            throw Invalid(source, $"reserved byte 11 is {data[11]}, expected 0");
        }

        uint layerCount = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        if (layerCount is < 2 or > MaxLayerCount)
        {
            throw Invalid(source, $"layer count {layerCount} at byte 12 is outside 2..{MaxLayerCount}");
        }

        int headerSize = FixedHeaderSize + (4 * (int)layerCount) + (version == 2 ? 4 : 0);
        if (data.Length < headerSize)
        {
            throw Invalid(source, $"truncated: {data.Length} bytes, shorter than the {headerSize}-byte header of a {layerCount}-layer model");
        }

        var sizes = new int[layerCount];
        for (int i = 0; i < sizes.Length; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data[(FixedHeaderSize + (4 * i))..]);
            if (size is < 1 or > int.MaxValue)
            {
                throw Invalid(source, $"layer {i + 1} size {size} at byte {FixedHeaderSize + (4 * i)} is not a positive 32-bit count");
            }

            sizes[i] = (int)size;
        }

        NetworkLayout layout;
        try
        {
            layout = new NetworkLayout(sizes);
        }
        catch (ArgumentException e)
        {
            throw Invalid(source, $"layer sizes {string.Join('-', sizes)} do not make a network: {e.Message}");
        }

        int? metadataLength = null;
        if (version == 2)
        {
            int at = headerSize - 4;
            uint declared = BinaryPrimitives.ReadUInt32LittleEndian(data[at..]);
            if (declared is < 8 or > int.MaxValue)
            {
                throw Invalid(source, $"class metadata length {declared} at byte {at} is not possible (at least 8)");
            }

            metadataLength = (int)declared;
        }

        long expected = ExpectedLength(layout, elementSize, metadataLength);
        if (data.Length != expected)
        {
            throw Invalid(source, data.Length < expected
                ? $"truncated: {data.Length} bytes, but a {layout} model in {(elementSize == 4 ? "float32" : "float64")} takes {expected} bytes"
                : $"{data.Length - expected} unexpected trailing bytes after the {expected} bytes of a {layout} model (corrupted or not a single model)");
        }

        int checksumAt = data.Length - ChecksumSize;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[checksumAt..]);
        uint actual = Crc32.Compute(data[..checksumAt]);
        if (stored != actual)
        {
            throw Invalid(source, $"checksum mismatch (stored CRC-32 0x{stored:X8}, computed 0x{actual:X8}): the file is corrupted");
        }

        int position = headerSize;
        double[] offsets = ReadLittleEndian<double>(data, ref position, layout.InputSize);
        double[] scales = ReadLittleEndian<double>(data, ref position, layout.InputSize);
        try
        {
            NetworkModel model = elementSize == 4
                ? NetworkModel.Create<float>(layout, ReadLittleEndian<float>(data, ref position, layout.ParameterCount), offsets, scales)
                : NetworkModel.Create<double>(layout, ReadLittleEndian<double>(data, ref position, layout.ParameterCount), offsets, scales);
            return metadataLength is { } b ? WithMetadata(model, data.Slice(position, b), position, source) : model;
        }
        catch (ArgumentException e)
        {
            throw Invalid(source, $"invalid content: {e.Message}");
        }
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (temporary file, flush, rename).</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory or file may not be written.</exception>
    public static void Save(NetworkModel model, string path) => AtomicFile.WriteAllBytes(path, Serialize(model));

    /// <summary>Reads and validates the model file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid model file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static NetworkModel Load(string path) => Deserialize(File.ReadAllBytes(path), path);

    /// <summary>Reads and validates the model file at <paramref name="path"/> and checks that its layout is <paramref name="expectedLayout"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedLayout">The layout the caller needs.</param>
    /// <returns>The model.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid model file, or its layout differs.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static NetworkModel Load(string path, NetworkLayout expectedLayout)
    {
        ArgumentNullException.ThrowIfNull(expectedLayout);
        NetworkModel model = Load(path);
        if (!model.Layout.Equals(expectedLayout))
        {
            throw Invalid(path, $"the model's layout {model.Layout} does not match the expected {expectedLayout}");
        }

        return model;
    }

    private static long ExpectedLength(NetworkLayout layout, int elementSize, int? metadataLength)
        => FixedHeaderSize + (4L * layout.LayerCount) + (metadataLength is { } b ? 4L + b : 0)
            + (16L * layout.InputSize) + ((long)elementSize * layout.ParameterCount) + ChecksumSize;

    /// <summary>The version-2 class metadata of <paramref name="model"/>, or null when it has none (version 1).</summary>
    private static byte[]? Metadata(NetworkModel model)
    {
        if (model.ClassLabels.Count == 0 && model.LabelColumn == -1)
        {
            return null;
        }

        byte[][] names = [.. model.ClassLabels.Select(Utf8.GetBytes)];
        var bytes = new byte[8 + names.Sum(n => 4 + n.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, model.LabelColumn);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), names.Length);
        int position = 8;
        foreach (byte[] name in names)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(position), name.Length);
            name.CopyTo(bytes, position + 4);
            position += 4 + name.Length;
        }

        return bytes;
    }

    /// <summary>Reads the version-2 class metadata (at byte <paramref name="at"/> of the file) into the model.</summary>
    private static NetworkModel WithMetadata(NetworkModel model, ReadOnlySpan<byte> metadata, int at, string source)
    {
        int labelColumn = BinaryPrimitives.ReadInt32LittleEndian(metadata);
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(metadata[4..]);
        if (count != 0 && count != (uint)model.Layout.OutputSize)
        {
            throw Invalid(source, $"class name count {count} at byte {at + 4} is neither 0 nor s(L) = {model.Layout.OutputSize}");
        }

        var names = new string[count];
        int position = 8;
        for (int k = 0; k < names.Length; k++)
        {
            int left = metadata.Length - position - 4;
            uint length = left >= 0 ? BinaryPrimitives.ReadUInt32LittleEndian(metadata[position..]) : 0;
            if (left < 0 || length > (uint)left)
            {
                throw Invalid(source, $"class name {k} at byte {at + position} runs past the {metadata.Length}-byte class metadata");
            }

            try
            {
                names[k] = Utf8.GetString(metadata.Slice(position + 4, (int)length));
            }
            catch (System.Text.DecoderFallbackException)
            {
                throw Invalid(source, $"class name {k} at byte {at + position} is not valid UTF-8");
            }

            position += 4 + (int)length;
        }

        if (position != metadata.Length)
        {
            throw Invalid(source, $"{metadata.Length - position} unexpected bytes at the end of the class metadata");
        }

        if (labelColumn < -1 || labelColumn > model.Layout.InputSize)
        {
            throw Invalid(source, $"label column {labelColumn} at byte {at} is outside -1..s(1) = {model.Layout.InputSize}");
        }

        return model.WithClassLabels(names, labelColumn);
    }

    private static InvalidDataException Invalid(string source, string what) => new($"{source}: {what}.");

    private static int WriteLittleEndian<T>(ReadOnlySpan<T> values, Span<byte> destination)
        where T : unmanaged
    {
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(destination);
        if (!BitConverter.IsLittleEndian)
        {
            Endian.Reverse(destination[..bytes.Length], System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        }

        return bytes.Length;
    }

    private static T[] ReadLittleEndian<T>(ReadOnlySpan<byte> data, ref int position, int count)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var values = new T[count];
        Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
        data.Slice(position, count * size).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            Endian.Reverse(bytes, size);
        }

        position += count * size;
        return values;
    }
}
