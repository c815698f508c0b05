using System.Buffers.Binary;
using System.Text;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Models;

/// <summary>
/// Version 2 of the .hpcb format: class names and the training label column, after the parameters, covered by
/// the CRC. Malformed metadata behind a valid CRC (the CRC is recomputed after each change) is still rejected.
/// </summary>
public class ModelFileVersion2Tests
{
    private const int MetadataLengthAt = 16 + (4 * 3); // after the fixed header and three layer sizes

    private static NetworkModel Labelled(bool single)
    {
        var layout = new NetworkLayout(3, 2, 2);
        NetworkModel model = single
            ? NetworkModel.Create<float>(layout, WeightInitializer.Create<float>(layout, 4), [0.5, -1, 2], [2, 0.25, 1])
            : NetworkModel.Create<double>(layout, WeightInitializer.Create<double>(layout, 4), [0.5, -1, 2], [2, 0.25, 1]);
        return model.WithClassLabels(["cat", "dog"], 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Names_and_label_column_make_a_version_2_file_that_loads_back_bit_for_bit(bool single)
    {
        NetworkModel model = Labelled(single);
        byte[] bytes = ModelFile.Serialize(model);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.True(ModelFile.Deserialize(bytes).BitwiseEquals(model));

        // Without names or label column: version 1, which older builds read.
        byte[] plain = ModelFile.Serialize(model.WithClassLabels([], -1));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(plain.AsSpan(8)));
        Assert.Equal(bytes.Length - 4 - 8 - (2 * 4) - 6, plain.Length); // no length field, no metadata
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_truncation_and_every_single_byte_change_is_rejected(bool single)
    {
        byte[] original = ModelFile.Serialize(Labelled(single));
        for (int length = 0; length < original.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(original.AsSpan(0, length)));
        }

        for (int i = 0; i < original.Length; i++)
        {
            byte[] changed = (byte[])original.Clone();
            changed[i] ^= 0x5A;
            Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(changed));
        }
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "count", "class name count 1" },
        { "name-length", "runs past" },
        { "utf8", "not valid UTF-8" },
        { "column-high", "label column 99" },
        { "column-low", "label column -2" },
        { "repeated", "repeated" },
        { "short-metadata", "class metadata length 4" },
        { "long-metadata", "truncated" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_metadata_behind_a_valid_checksum_is_rejected_with_a_message(string change, string expected)
    {
        byte[] bytes = ModelFile.Serialize(Labelled(single: true));
        int metadataLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(MetadataLengthAt));
        int at = bytes.Length - 4 - metadataLength; // label column, count, then (length, bytes) per name
        Span<byte> metadata = bytes.AsSpan(at, metadataLength);
        switch (change)
        {
            case "count": BinaryPrimitives.WriteInt32LittleEndian(metadata[4..], 1); break;
            case "name-length": BinaryPrimitives.WriteInt32LittleEndian(metadata[8..], 1000); break;
            case "utf8": metadata[12] = 0xFF; break;
            case "column-high": BinaryPrimitives.WriteInt32LittleEndian(metadata, 99); break;
            case "column-low": BinaryPrimitives.WriteInt32LittleEndian(metadata, -2); break;
            case "repeated": Encoding.ASCII.GetBytes("cat").CopyTo(metadata[19..]); break; // "dog" -> "cat"
            case "short-metadata": BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(MetadataLengthAt), 4); break;
            default: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(MetadataLengthAt), metadataLength + 8); break;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(bytes, "m.hpcb"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("m.hpcb: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Class_names_that_cannot_be_stored_are_rejected_when_given()
    {
        var layout = new NetworkLayout(2, 2);
        NetworkModel model = NetworkModel.Create<double>(layout, new double[layout.ParameterCount]);
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a"], -1));                 // not K names
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a", "a"], -1));            // repeated
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a", ""], -1));             // empty
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a", "b\nc"], -1));         // control character
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a", "\ud800"], -1));       // unpaired surrogate
        Assert.Throws<ArgumentException>(() => model.WithClassLabels(["a", new string('x', 257)], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.WithClassLabels(["a", "b"], 3));   // beyond s(1)
        Assert.Equal("b", model.WithClassLabels(["a", "b"], 2).ClassLabel(1));
    }
}
