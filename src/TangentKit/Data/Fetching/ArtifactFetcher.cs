using System.Security.Cryptography;
using TangentKit.IO;

namespace TangentKit.Data.Fetching;

/// <summary>
/// Raised when no source of an artifact yields verified files; the message gives each source's reason.
/// </summary>
public sealed class DataFetchException(string message) : Exception(message);

/// <summary>
/// Makes an artifact's files available in a cache folder (<c>$TANGENTKIT_CACHE/data/&lt;name&gt;</c> by default):
/// tries the manifest's sources in order, stages files in a temporary folder, checks size and sha256 of each, and
/// only then renames them into the cache, so a failed, corrupted or interrupted fetch leaves nothing partial behind.
/// </summary>
public static class ArtifactFetcher
{
    /// <summary>The default data cache: <c>&lt;kit cache&gt;/data</c>.</summary>
    public static string DefaultCache => Path.Combine(KitCache.Root, "data");

    /// <summary>Returns the folder holding the artifact's verified files, fetching them first if needed.</summary>
    public static string Fetch(DataManifest manifest, string? cacheRoot = null, Action<string>? log = null)
    {
        var folder = Path.Combine(cacheRoot ?? DefaultCache, manifest.Name);
        if (IsComplete(manifest, folder)) return folder;

        var reasons = new List<string>();
        foreach (var source in manifest.Sources)
        {
            var what = ArtifactSources.Describe(source);
            var staging = Path.Combine(cacheRoot ?? DefaultCache,
                $".staging-{manifest.Name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            try
            {
                log?.Invoke($"{manifest.Name}: trying {what}");
                ArtifactSources.Stage(source, manifest.Files, staging);
                foreach (var f in manifest.Files) Verify(Path.Combine(staging, f.Name), f);
                Directory.CreateDirectory(folder);
                foreach (var f in manifest.Files)
                    File.Move(Path.Combine(staging, f.Name), Path.Combine(folder, f.Name), overwrite: true);
                log?.Invoke($"{manifest.Name}: {manifest.Files.Count} file(s) verified from {what}");
                return folder;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                reasons.Add($"  - {what}: {e.Message}");
            }
            finally { Directory.Delete(staging, recursive: true); }
        }
        throw new DataFetchException($"could not fetch '{manifest.Name}' ({manifest.Title}); every source failed:\n" +
            string.Join("\n", reasons));
    }

    /// <summary>True when every file is in <paramref name="folder"/> with its size and sha256.</summary>
    public static bool IsComplete(DataManifest manifest, string folder)
    {
        foreach (var f in manifest.Files)
        {
            var path = Path.Combine(folder, f.Name);
            if (!File.Exists(path)) return false;
            try { Verify(path, f); }
            catch (InvalidDataException) { File.Delete(path); return false; }  // a damaged cache entry is fetched again
        }
        return true;
    }

    /// <summary>
    /// Checks size and sha256 of <paramref name="path"/>; the error names the file, expected and actual values.
    /// </summary>
    public static void Verify(string path, ManifestFile expected)
    {
        long size = new FileInfo(path).Length;
        if (size != expected.Size)
            throw new InvalidDataException($"{expected.Name}: {size} bytes, expected {expected.Size} " +
                $"(sha256 {expected.Sha256}); truncated or wrong file.");
        using var stream = File.OpenRead(path);
        var actual = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        if (actual != expected.Sha256)
            throw new InvalidDataException(
                $"{expected.Name}: sha256 {actual}, expected {expected.Sha256}; corrupted or wrong file.");
    }
}
