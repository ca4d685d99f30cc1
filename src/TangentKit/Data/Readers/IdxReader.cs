using System.Buffers.Binary;
using System.IO.Compression;

namespace TangentKit.Data.Readers;

/// <summary>
/// Reads (optionally gzip'd) IDX files, the format of MNIST and Fashion-MNIST: big-endian magic 0x0000_08_NN, dims,
/// uint8 data.
/// </summary>
public static class IdxReader
{
    /// <summary>
    /// The dimensions and raw unsigned bytes of an IDX file; errors name the file and what was expected.
    /// </summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: not an unsigned-byte IDX file (expected magic 00 00 08 nn).");
        int rank = bytes[3];
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
            dims[i] = checked((int)BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]));
        int offset = 4 + 4 * rank;
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (bytes.Length - offset != count)
            throw new InvalidDataException($"{path}: {bytes.Length - offset} data bytes for dimensions " +
                $"[{string.Join(",", dims)}] ({count} expected).");
        return (dims, bytes[offset..].ToArray());
    }
}
