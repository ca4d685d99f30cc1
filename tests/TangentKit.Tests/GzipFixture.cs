using System.IO.Compression;

namespace TangentKit.Tests;

/// Writes gzip-compressed fixture files (IDX images, CLIP merges files) for reader tests.
static class GzipFixture
{
    public static string Write(string path, byte[] content)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
        return path;
    }
}
