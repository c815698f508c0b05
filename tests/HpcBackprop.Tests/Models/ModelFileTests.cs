using System.Buffers.Binary;
using System.Text;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Models;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hpcb-model-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static NetworkModel SmallModel(bool single)
    {
        var layout = new NetworkLayout(3, 2, 2);
        double[] offsets = [0.5, -1, 2], scales = [2, 0.25, 1];
        return single
            ? NetworkModel.Create<float>(layout, WeightInitializer.Create<float>(layout, 4), offsets, scales)
            : NetworkModel.Create<double>(layout, WeightInitializer.Create<double>(layout, 4), offsets, scales);
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Save_then_load_gives_the_same_bits(bool single)
    {
        var layout = new NetworkLayout(64, 25, 10);
        NetworkModel model = single
            ? NetworkModel.Create<float>(layout, WeightInitializer.Create<float>(layout, 1))
            : NetworkModel.Create<double>(layout, WeightInitializer.Create<double>(layout, 1), Enumerable.Range(0, 64).Select(i => i * 0.1).ToArray(), Enumerable.Repeat(1.0 / 16, 64).ToArray());
        string path = Path.Combine(_directory, "m.hpcb");

        ModelFile.Save(model, path);
        NetworkModel loaded = ModelFile.Load(path);

        Assert.True(model.BitwiseEquals(loaded));
        Assert.Equal(model.ElementType, loaded.ElementType);
        Assert.Equal(ModelFile.Serialize(model), File.ReadAllBytes(path));
        Assert.Equal(model.GetParameters<double>(), loaded.GetParameters<double>());
    }

    [Fact]
    public void The_header_is_the_documented_layout()
    {
        byte[] bytes = ModelFile.Serialize(SmallModel(single: true));

        Assert.Equal([0x89, (byte)'H', (byte)'P', (byte)'C', (byte)'B', 0x0D, 0x0A, 0x1A], bytes[..8]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(4, bytes[10]);
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal([3, 2, 2], Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16 + (4 * i)))));
        // 16 + 12 header, 2 x 3 normalization doubles, 14 float parameters, 4 checksum bytes.
        Assert.Equal(16 + 12 + 48 + (14 * 4) + 4, bytes.Length);
        Assert.Equal(Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_files()
    {
        string path = Path.Combine(_directory, "m.hpcb");
        File.WriteAllText(path, "old content");

        ModelFile.Save(SmallModel(single: false), path);

        Assert.True(SmallModel(single: false).BitwiseEquals(ModelFile.Load(path)));
        Assert.Equal(["m.hpcb"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_single_byte_corruption_is_rejected_or_harmless(bool single)
    {
        NetworkModel model = SmallModel(single);
        byte[] original = ModelFile.Serialize(model);
        int rejected = 0;
        foreach (byte mask in new byte[] { 0x01, 0x10, 0x80, 0xFF })
        {
            for (int i = 0; i < original.Length; i++)
            {
                byte[] corrupted = (byte[])original.Clone();
                corrupted[i] ^= mask;
                try
                {
                    Assert.True(model.BitwiseEquals(ModelFile.Deserialize(corrupted)), $"byte {i} ^ 0x{mask:X2} loaded different parameters");
                }
                catch (InvalidDataException)
                {
                    rejected++;
                }
            }
        }

        // CRC-32 detects every error burst up to 32 bits, so in fact every flip is rejected.
        Assert.Equal(4 * original.Length, rejected);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_truncation_and_any_appended_byte_is_rejected(bool single)
    {
        byte[] original = ModelFile.Serialize(SmallModel(single));
        for (int length = 0; length < original.Length; length++)
        {
            InvalidDataException e = Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(original.AsSpan(0, length), "m.hpcb"));
            Assert.StartsWith("m.hpcb: ", e.Message, StringComparison.Ordinal);
        }

        Assert.Contains("trailing", Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize([.. original, 0])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_files_say_so()
    {
        byte[] original = ModelFile.Serialize(SmallModel(single: false));
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(original.AsSpan(0, original.Length - 1))).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(original.AsSpan(0, 5))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_say_what_is_wrong()
    {
        byte[] original = ModelFile.Serialize(SmallModel(single: false));
        string Error(Action<byte[]> corrupt)
        {
            byte[] bytes = (byte[])original.Clone();
            corrupt(bytes);
            return Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(bytes, "x.hpcb")).Message;
        }

        Assert.Contains("not an HpcBackprop model file", Error(b => b[1] = (byte)'X'), StringComparison.Ordinal);
        Assert.Contains("format version 3 is not supported", Error(b => b[8] = 3), StringComparison.Ordinal);
        Assert.Contains("element type code 5", Error(b => b[10] = 5), StringComparison.Ordinal);
        Assert.Contains("layer count 1 ", Error(b => b[12] = 1), StringComparison.Ordinal);
        Assert.Contains("checksum mismatch", Error(b => b[^10] ^= 1), StringComparison.Ordinal);
        Assert.Contains("not an HpcBackprop model file", Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(Encoding.ASCII.GetBytes("64,25,10\n1,2,3\n"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_checksum_does_not_excuse_non_finite_parameters()
    {
        byte[] bytes = ModelFile.Serialize(SmallModel(single: false));
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(bytes.Length - 12), double.NaN);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

        Assert.Contains("finite", Assert.Throws<InvalidDataException>(() => ModelFile.Deserialize(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_with_an_expected_layout_rejects_another_layout()
    {
        string path = Path.Combine(_directory, "m.hpcb");
        ModelFile.Save(SmallModel(single: true), path);

        Assert.NotNull(ModelFile.Load(path, new NetworkLayout(3, 2, 2)));
        Assert.Contains("does not match the expected 3-4-2", Assert.Throws<InvalidDataException>(() => ModelFile.Load(path, new NetworkLayout(3, 4, 2))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalization_is_applied_per_column()
    {
        NetworkModel model = SmallModel(single: false);
        var scaled = new double[6];
        model.NormalizeFeatures<double>([1.5, 3, 2, 0.5, -1, 4], scaled);
        Assert.Equal([2, 1, 0, 0, 0, 2], scaled);
    }

    [Fact]
    public void Creating_a_model_checks_lengths_and_values()
    {
        var layout = new NetworkLayout(3, 2, 2);
        Assert.Throws<ArgumentException>(() => NetworkModel.Create<double>(layout, new double[13]));
        Assert.Throws<ArgumentException>(() => NetworkModel.Create<double>(layout, new double[14], [1, 2]));
        Assert.Throws<ArgumentException>(() => NetworkModel.Create<double>(layout, Enumerable.Repeat(double.PositiveInfinity, 14).ToArray()));
    }
}
