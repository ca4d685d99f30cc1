using System.Buffers.Binary;
using System.Text;
using TangentKit.IO;

namespace TangentKit.Native;

/// <summary>
/// One symbol-version requirement (Elf64_Vernaux) of a shared library, e.g. libstdc++.so.6 → GLIBCXX_3.4.32.
/// </summary>
/// <param name="Library">The library that must provide the version (Elf64_Verneed.vn_file).</param>
/// <param name="Version">The version node name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="IsWeak">True when VER_FLG_WEAK is set: the dynamic loader tolerates its absence.</param>
public sealed record ElfVersionNeed(string Library, string Version, bool IsWeak);

/// <summary>
/// Reads and weakens the symbol-version requirements (the <c>.gnu.version_r</c> section) of an ELF64
/// little-endian shared library. TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> needs GLIBCXX_3.4.32
/// only for a marker symbol it never calls; marking that need weak lets it load on Debian 12.
/// </summary>
public static class ElfVersionNeeds
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    /// <summary>Lists every version need of the ELF file at <paramref name="path"/>.</summary>
    public static IReadOnlyList<ElfVersionNeed> Read(string path)
    {
        var needs = new List<ElfVersionNeed>();
        Walk(File.ReadAllBytes(path), path, (bytes, aux, library, version) =>
            needs.Add(new ElfVersionNeed(library, version, (Flags(bytes, aux) & VerFlgWeak) != 0)));
        return needs;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every need whose version matches <paramref name="select"/>, writing through a
    /// temporary file and an atomic rename. Idempotent; returns how many needs it changed (0: file untouched).
    /// </summary>
    public static int Weaken(string path, Func<string, bool> select)
    {
        var bytes = File.ReadAllBytes(path);
        int changed = 0;
        Walk(bytes, path, (b, aux, _, version) =>
        {
            ushort flags = Flags(b, aux);
            if (!select(version) || (flags & VerFlgWeak) != 0) return;
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(aux + 4), (ushort)(flags | VerFlgWeak));
            changed++;
        });
        if (changed > 0) AtomicFile.WriteAllBytes(path, bytes);
        return changed;
    }

    /// <summary>
    /// True for versions newer than Debian 12's libstdc++ (GCC 12) provides: GLIBCXX_3.4.31+ and CXXABI_1.3.15+.
    /// </summary>
    public static bool IsNewerThanDebian12LibStdCxx(string version) =>
        (version.StartsWith("GLIBCXX_3.4.", StringComparison.Ordinal) && int.TryParse(version[12..],
            out var n) && n >= 31)
        || (version.StartsWith("CXXABI_1.3.", StringComparison.Ordinal) && int.TryParse(version[11..],
            out var m) && m >= 15);

    static ushort Flags(byte[] b, int aux) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(aux + 4));

    // Calls visit(bytes, offsetOfVernaux, library, version) for each Elf64_Vernaux entry.
    static void Walk(byte[] b, string path, Action<byte[], int, string, string> visit)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF file (expected the magic bytes 7f 45 4c 46).");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException(
                $"{path}: only 64-bit little-endian ELF files are supported (EI_CLASS={b[4]}, EI_DATA={b[5]}).");
        long shoff = (long)U64(b, 0x28);
        int shentsize = U16(b, 0x3A), shnum = U16(b, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)(shoff + (long)i * shentsize));
            if (U32(b, sh + 4) != ShtGnuVerneed) continue;
            int strtab = checked((int)U64(b, checked((int)(shoff + (long)U32(b, sh + 40) * shentsize)) + 24));
            int vn = checked((int)U64(b, sh + 24));
            for (uint k = 0, count = U32(b, sh + 44); k < count; k++)
            {
                string library = CString(b, strtab + (int)U32(b, vn + 4));
                int aux = vn + (int)U32(b, vn + 8);
                for (int j = 0, cnt = U16(b, vn + 2); j < cnt; j++)
                {
                    visit(b, aux, library, CString(b, strtab + (int)U32(b, aux + 8)));
                    aux += (int)U32(b, aux + 12);
                }
                vn += (int)U32(b, vn + 12);
            }
        }
    }

    static ulong U64(byte[] b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(o));
    static uint U32(byte[] b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o));
    static ushort U16(byte[] b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o));
    static string CString(byte[] b, int start) => Encoding.ASCII.GetString(b, start,
        Array.IndexOf(b, (byte)0, start) - start);
}
