using System.IO.Compression;

namespace HpcBackprop.Cli.Data;

/// <summary>
/// The embedded default data set: 1797 8x8 images of handwritten digits, 64 pixel counts 0..16 and the digit
/// in column 64. Optical Recognition of Handwritten Digits, UCI Machine Learning Repository, E. Alpaydin and
/// C. Kaynak (1998), CC BY 4.0.
/// </summary>
internal static class Digits
{
    public const string Name = "digits (embedded; UCI Optical Recognition of Handwritten Digits, Alpaydin and Kaynak 1998, CC BY 4.0)";

    /// <summary>Pixel counts run 0..16, so dividing by 16 maps them to [0, 1] with the same scale for every pixel.</summary>
    public const double PixelScale = 1.0 / 16;

    /// <summary>The examples with their digits as classes 0..9.</summary>
    public static Dataset Load() => Dataset.WithLabels(LoadTable());

    /// <summary>The table: 64 pixel features and the digit in the last column.</summary>
    public static CsvTable LoadTable()
    {
        Stream resource = typeof(Digits).Assembly.GetManifestResourceStream("HpcBackprop.Cli.digits.csv.gz")
            ?? throw new InvalidOperationException("The embedded digits data set is missing from the assembly.");
        return CsvTable.Read(new GZipStream(resource, CompressionMode.Decompress), "digits.csv.gz", HeaderRule.None, _ => LabelColumn.Last);
    }
}
