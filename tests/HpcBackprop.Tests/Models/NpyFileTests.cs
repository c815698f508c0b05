using System.Text;
using HpcBackprop.Models;

namespace HpcBackprop.Tests.Models;

public class NpyFileTests
{
    /// <summary>The bytes numpy.save writes for np.array([1.5, -2.0, 0.25]) (format 1.0, header padded so the data start at byte 128).</summary>
    private static byte[] NumpyWritten()
    {
        string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        string header = dict.PadRight(128 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (double v in new[] { 1.5, -2.0, 0.25 })
        {
            bytes.AddRange(BitConverter.GetBytes(v));
        }

        return [.. bytes];
    }

    [Fact]
    public void Reads_what_numpy_writes()
    {
        byte[] bytes = NumpyWritten();
        NpyHeader header = NpyFile.ReadHeader(bytes);

        Assert.Equal(ModelElementType.Double, header.ElementType);
        Assert.False(header.FortranOrder);
        Assert.Equal([3], header.Shape);
        Assert.Equal(128, header.DataOffset); // 10 + 58 + 1 bytes, padded to a multiple of 64 as numpy does
        Assert.Equal([1.5, -2.0, 0.25], NpyFile.Deserialize<double>(bytes));
        Assert.Equal([1.5f, -2.0f, 0.25f], NpyFile.Deserialize<float>(bytes));
    }

    [Fact]
    public void Writes_what_numpy_writes()
    {
        Assert.Equal(NumpyWritten(), NpyFile.Serialize<double>([1.5, -2.0, 0.25]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1885)]
    [InlineData(123_456)]
    public void Round_trips_bitwise_with_64_byte_aligned_data(int length)
    {
        var random = new Random(length);
        float[] single = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        double[] @double = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();

        byte[] f4 = NpyFile.Serialize<float>(single), f8 = NpyFile.Serialize<double>(@double);

        Assert.Equal(single, NpyFile.Deserialize<float>(f4));
        Assert.Equal(@double, NpyFile.Deserialize<double>(f8));
        Assert.Equal(0, NpyFile.ReadHeader(f4).DataOffset % 64);
        Assert.Equal(ModelElementType.Single, NpyFile.ReadHeader(f4).ElementType);
        Assert.EndsWith("\n", Encoding.ASCII.GetString(f8, 0, NpyFile.ReadHeader(f8).DataOffset), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", "'>f8' is not supported")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", "'<i4' is not supported")]
    [InlineData("{'fortran_order': False, 'shape': (3,), }", "no 'descr'")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1), }", "not one-dimensional")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': 3, }", "bad header")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ", "bad header")]
    [InlineData("{'descr': '<f8', 'fortran_order': maybe, 'shape': (3,), }", "bad header")]
    public void Unsupported_headers_are_rejected_with_the_reason(string dict, string expected)
    {
        byte[] bytes = NumpyWritten();
        string header = dict.PadRight(128 - 10 - 1) + "\n";
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);

        InvalidDataException e = Assert.Throws<InvalidDataException>(() => NpyFile.Deserialize<double>(bytes, "p.npy"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("p.npy: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_order_and_spacing_do_not_matter_and_fortran_order_is_read()
    {
        byte[] bytes = NumpyWritten();
        string header = "{ \"shape\" : ( 3 , ) , 'fortran_order':True,'descr':'<f8'}".PadRight(128 - 10 - 1) + "\n";
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);

        Assert.True(NpyFile.ReadHeader(bytes).FortranOrder);
        Assert.Equal([1.5, -2.0, 0.25], NpyFile.Deserialize<double>(bytes));
    }

    [Fact]
    public void Truncated_or_padded_data_and_bad_magic_are_rejected()
    {
        byte[] bytes = NumpyWritten();
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => NpyFile.Deserialize<double>(bytes.AsSpan(0, length)));
        }

        Assert.Throws<InvalidDataException>(() => NpyFile.Deserialize<double>([.. bytes, 0]));
        bytes[1] = (byte)'n';
        Assert.Contains("not a .npy file", Assert.Throws<InvalidDataException>(() => NpyFile.ReadHeader(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_2_headers_are_read()
    {
        string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }".PadRight(64 - 12 - 1) + "\n";
        byte[] bytes = [0x93, .. Encoding.ASCII.GetBytes("NUMPY"), 2, 0, .. BitConverter.GetBytes(header.Length), .. Encoding.ASCII.GetBytes(header), .. BitConverter.GetBytes(3f), .. BitConverter.GetBytes(-1f)];

        Assert.Equal([3f, -1f], NpyFile.Deserialize<float>(bytes));
    }
}
