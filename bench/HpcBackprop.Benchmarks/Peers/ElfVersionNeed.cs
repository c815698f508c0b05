using System.Buffers.Binary;
using System.Text;

namespace HpcBackprop.Benchmarks.Peers;

/// <summary>
/// Marks one version requirement of an ELF64 shared library as weak (VER_FLG_WEAK in its
/// <c>.gnu.version_r</c> entry), after checking that doing so cannot change what the library binds to.
/// </summary>
/// <remarks>
/// Why this exists: TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> was linked against GCC 13's
/// libstdc++ and requires the version tag <c>GLIBCXX_3.4.32</c>, which older distributions (Debian 12
/// ships up to 3.4.30) lack, so <c>dlopen</c> fails with "version `GLIBCXX_3.4.32' not found".
/// The only symbol behind that tag is <c>std::ios_base_library_init</c>, which GCC 13's
/// <c>&lt;iostream&gt;</c> references with a bare <c>.globl</c> to pull in the library's own iostream
/// initialisation; no relocation uses it, so the dynamic linker never looks it up. A weak version
/// requirement is the ELF-standard way to say "use this version if present": glibc's loader then
/// accepts a libstdc++ without the tag (it only warns under <c>ldd -v</c>). Nothing else in the file
/// changes (one 16-bit flag), and the patch refuses to run unless every precondition holds: the tag
/// is needed, only the expected symbols carry it, and no relocation refers to any of them.
/// </remarks>
internal static class ElfVersionNeed
{
    private const uint ShtRela = 4;
    private const uint ShtRel = 9;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>What <see cref="MakeWeak"/> found or did.</summary>
    public enum Outcome
    {
        /// <summary>The file does not require the version at all: nothing to do.</summary>
        NotRequired,

        /// <summary>The requirement was already weak: nothing to do.</summary>
        AlreadyWeak,

        /// <summary>The requirement was made weak.</summary>
        Patched,
    }

    /// <summary>
    /// Makes the requirement of <paramref name="versionName"/> weak in the file at <paramref name="path"/>
    /// (rewritten atomically: a temporary file beside it, then a rename). Never written in place: the build
    /// output's file may be a hard link into the NuGet cache, and a rename replaces only this directory entry.
    /// </summary>
    /// <param name="path">An ELF64 little-endian shared library.</param>
    /// <param name="versionName">The version tag, for example <c>GLIBCXX_3.4.32</c>.</param>
    /// <param name="allowedSymbols">The only dynamic symbols that may carry the tag.</param>
    /// <exception cref="InvalidDataException">The file is not ELF64 little-endian, or a precondition fails.</exception>
    public static Outcome MakeWeak(string path, string versionName, IReadOnlyCollection<string> allowedSymbols)
    {
        byte[] image = File.ReadAllBytes(path);
        Outcome outcome = MakeWeak(image, versionName, allowedSymbols);
        if (outcome == Outcome.Patched)
        {
            string temporary = path + ".patching";
            File.WriteAllBytes(temporary, image);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            }

            File.Move(temporary, path, overwrite: true);
        }

        return outcome;
    }

    /// <summary>The same as <see cref="MakeWeak(string, string, IReadOnlyCollection{string})"/> on an image in memory.</summary>
    public static Outcome MakeWeak(byte[] image, string versionName, IReadOnlyCollection<string> allowedSymbols)
    {
        ReadOnlySpan<byte> elf = image;
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("Not an ELF64 little-endian file.");
        }

        ulong sectionTable = U64(elf, 0x28);
        int entrySize = U16(elf, 0x3A);
        int sectionCount = U16(elf, 0x3C);
        var sections = new Section[sectionCount];
        for (int i = 0; i < sectionCount; i++)
        {
            int at = checked((int)sectionTable + (i * entrySize));
            sections[i] = new Section(U32(elf, at + 4), checked((int)U64(elf, at + 24)), checked((int)U64(elf, at + 32)), (int)U32(elf, at + 40), U64(elf, at + 56));
        }

        Section verneed = Single(sections, ShtGnuVerneed);
        Section versym = Single(sections, ShtGnuVersym);
        Section dynsym = Single(sections, ShtDynsym);
        Section dynstr = sections[verneed.Link];
        int dynsymIndex = Array.IndexOf(sections, dynsym);

        // Walk Elf64_Verneed (16 bytes) and its Elf64_Vernaux entries (16 bytes each) for the tag.
        int flagsOffset = -1;
        int versionIndex = -1;
        int need = verneed.Offset;
        while (true)
        {
            int auxCount = U16(elf, need + 2);
            int aux = need + (int)U32(elf, need + 8);
            for (int k = 0; k < auxCount; k++)
            {
                if (Name(elf, dynstr, U32(elf, aux + 8)) == versionName)
                {
                    flagsOffset = aux + 4;
                    versionIndex = U16(elf, aux + 6) & 0x7fff;
                }

                aux += (int)U32(elf, aux + 12);
            }

            uint next = U32(elf, need + 12);
            if (next == 0)
            {
                break;
            }

            need += (int)next;
        }

        if (flagsOffset < 0)
        {
            return Outcome.NotRequired;
        }

        if ((U16(elf, flagsOffset) & VerFlagWeak) != 0)
        {
            return Outcome.AlreadyWeak;
        }

        // Which dynamic symbols carry the tag, and does any relocation use them?
        int symbolCount = dynsym.Size / 24;
        var tagged = new HashSet<int>();
        for (int s = 0; s < symbolCount; s++)
        {
            if ((U16(elf, versym.Offset + (2 * s)) & 0x7fff) == versionIndex)
            {
                string name = Name(elf, dynstr, U32(elf, dynsym.Offset + (24 * s)));
                if (!allowedSymbols.Contains(name))
                {
                    throw new InvalidDataException($"{versionName} is also needed by '{name}': making it weak could leave that symbol unresolved.");
                }

                tagged.Add(s);
            }
        }

        foreach (Section relocations in sections)
        {
            if ((relocations.Type == ShtRela || relocations.Type == ShtRel) && relocations.Link == dynsymIndex)
            {
                int stride = relocations.Type == ShtRela ? 24 : 16;
                for (int r = relocations.Offset; r < relocations.Offset + relocations.Size; r += stride)
                {
                    int symbol = (int)(U64(elf, r + 8) >> 32);
                    if (tagged.Contains(symbol))
                    {
                        throw new InvalidDataException($"A relocation uses a symbol of {versionName}: the library really needs that libstdc++.");
                    }
                }
            }
        }

        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(flagsOffset), (ushort)(U16(elf, flagsOffset) | VerFlagWeak));
        return Outcome.Patched;
    }

    private static Section Single(Section[] sections, uint type)
        => sections.Count(s => s.Type == type) == 1
            ? sections.First(s => s.Type == type)
            : throw new InvalidDataException($"Expected exactly one section of type 0x{type:x}.");

    private static string Name(ReadOnlySpan<byte> elf, Section strings, uint offset)
    {
        ReadOnlySpan<byte> rest = elf[(strings.Offset + (int)offset)..];
        return Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)0)]);
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);

    private readonly record struct Section(uint Type, int Offset, int Size, int Link, ulong EntrySize);
}
