using System.Security.Cryptography;
using System.Text;
using TangentKit.Data.Fetching;

namespace TangentKit.Tests.Data;

/// The fetcher against small generated files: verification, fallback between sources, nothing partial in the cache.
public sealed class FetcherTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tangentkit-fetch-").FullName;
    public void Dispose() => Directory.Delete(_root, recursive: true);

    string Folder(string name, params (string File, string Content)[] files)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        foreach (var (f, c) in files) File.WriteAllText(Path.Combine(dir, f), c);
        return dir;
    }

    static ManifestFile Entry(string name, string content) =>
        new(name, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content))).ToLowerInvariant(),
            Encoding.UTF8.GetByteCount(content));

    static DataManifest Manifest(IReadOnlyList<ManifestFile> files, params string[] folders) =>
        new("toy", "a toy artifact", "two small files", "CC0", ["a", "b"], "none", files,
            folders.Select(f => new ManifestSource("installed", Path: f)).ToList());

    string Cache => Path.Combine(_root, "cache");

    [Fact]
    public void Verified_files_land_in_the_cache_and_later_calls_read_them_back()
    {
        var good = Folder("good", ("x.bin", "hello"), ("y.bin", "world"));
        var manifest = Manifest([Entry("x.bin", "hello"), Entry("y.bin", "world")], good);
        var folder = ArtifactFetcher.Fetch(manifest, Cache);
        Assert.Equal("world", File.ReadAllText(Path.Combine(folder, "y.bin")));
        Directory.Delete(good, recursive: true);                      // the source is gone: the cache suffices
        Assert.Equal(folder, ArtifactFetcher.Fetch(manifest, Cache));
    }

    [Fact]
    public void A_corrupted_file_is_named_with_its_expected_hash_and_nothing_partial_stays()
    {
        var bad = Folder("bad", ("x.bin", "hello"), ("y.bin", "WORLD"));
        var manifest = Manifest([Entry("x.bin", "hello"), Entry("y.bin", "world")], bad);
        var e = Assert.Throws<DataFetchException>(() => ArtifactFetcher.Fetch(manifest, Cache));
        Assert.Contains("y.bin", e.Message);
        Assert.Contains(manifest.Files[1].Sha256, e.Message);
        Assert.Contains($"installed files in {bad}", e.Message);
        Assert.False(Directory.Exists(Path.Combine(Cache, "toy"))
            && Directory.EnumerateFiles(Path.Combine(Cache, "toy")).Any());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));                // no staging folders left either
    }

    [Fact]
    public void A_truncated_file_is_reported_by_size()
    {
        var cut = Folder("cut", ("x.bin", "hel"));
        var e = Assert.Throws<DataFetchException>(() =>
            ArtifactFetcher.Fetch(Manifest([Entry("x.bin", "hello")], cut), Cache));
        Assert.Contains("x.bin: 3 bytes, expected 5", e.Message);
    }

    [Fact]
    public void Sources_are_tried_in_order_and_each_failure_is_explained()
    {
        var missing = Path.Combine(_root, "nowhere");
        var bad = Folder("bad", ("x.bin", "HELLO"));
        var good = Folder("good", ("x.bin", "hello"));
        var log = new List<string>();
        var folder = ArtifactFetcher.Fetch(Manifest([Entry("x.bin", "hello")], missing, bad, good), Cache, log.Add);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(folder, "x.bin")));
        Assert.Equal(3, log.Count(l => l.Contains("trying")));
        Assert.Contains(log, l => l.Contains($"verified from installed files in {good}"));
    }

    [Fact]
    public void A_damaged_cache_entry_is_fetched_again()
    {
        var good = Folder("good", ("x.bin", "hello"));
        var manifest = Manifest([Entry("x.bin", "hello")], good);
        var folder = ArtifactFetcher.Fetch(manifest, Cache);
        File.WriteAllText(Path.Combine(folder, "x.bin"), "jello");
        Assert.False(ArtifactFetcher.IsComplete(manifest, folder));
        ArtifactFetcher.Fetch(manifest, Cache);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(folder, "x.bin")));
    }

    [Fact]
    public void Every_shipped_manifest_parses_with_hashes_sources_and_licence()
    {
        Assert.Contains("mnist", DataManifest.Shipped);
        Assert.Contains("resnet18-imagenet", DataManifest.Shipped);
        foreach (var name in DataManifest.Shipped)
        {
            var m = DataManifest.Get(name);
            Assert.Equal(name, m.Name);
            Assert.NotEmpty(m.Licence);
            Assert.All(m.Files, f => Assert.Equal(64, f.Sha256.Length));
        }
    }

    [Fact]
    public void A_manifest_with_a_bad_hash_is_rejected_with_the_key()
    {
        var json = """{"name":"x","title":"x","description":"","licence":"","classes":[],"split":"","files":[""" +
            """{"name":"a","sha256":"12","size":1}],"sources":[{"kind":"installed","path":"/"}]}""";
        var e = Assert.Throws<InvalidDataException>(() =>
            DataManifest.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "x.json"));
        Assert.Contains("x.json", e.Message);
        Assert.Contains("sha256", e.Message);
    }
}
