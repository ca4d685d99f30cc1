using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TangentKit.Data.Fetching;

/// <summary>
/// One file of an artifact: its name in the cache, where it sits inside a source (if not at its name), hash and size.
/// </summary>
public sealed record ManifestFile(string Name, string Sha256, long Size, string? Path = null)
{
    /// <summary>Location relative to a source's root.</summary>
    public string RelativePath => Path ?? Name;
}

/// <summary>
/// A place an artifact can come from, tried in manifest order: <c>installed</c> (a local folder), <c>url</c> (a folder
/// URL or a .tgz/.nupkg archive), <c>npm</c> (<c>npm pack</c>), <c>deb</c> (<c>apt-get download</c> +
/// <c>dpkg-deb</c>, no root needed when package lists exist), <c>nuget</c> (the NuGet global packages folder).
/// </summary>
public sealed record ManifestSource(string Kind, string? Path = null, string? Url = null, string? Package = null,
    string? Version = null);

/// <summary>
/// The description of one dataset or model artifact (<c>data-manifests/*.json</c>): sources in order of preference,
/// sha256 and size of every file, licence, class names and split rule. Embedded in the library so that notebooks need
/// no repository checkout.
/// </summary>
public sealed record DataManifest(string Name, string Title, string Description, string Licence,
    IReadOnlyList<string> Classes, string Split, IReadOnlyList<ManifestFile> Files,
    IReadOnlyList<ManifestSource> Sources)
{
    static readonly JsonSerializerOptions Json = new()
        { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Names of the manifests shipped with the kit.</summary>
    public static IReadOnlyList<string> Shipped =>
        typeof(DataManifest).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix) && n.EndsWith(".json"))
            .Select(n => n[ResourcePrefix.Length..^5]).Order(StringComparer.Ordinal).ToList();

    const string ResourcePrefix = "TangentKit.DataManifests.";

    /// <summary>A shipped manifest by name (e.g. <c>fashion-mnist</c>); the error lists the shipped names.</summary>
    public static DataManifest Get(string name)
    {
        using var stream = typeof(DataManifest).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".json")
            ?? throw new ArgumentException($"no data manifest '{name}'; shipped: {string.Join(", ", Shipped)}.",
                nameof(name));
        return Parse(stream, $"data-manifests/{name}.json");
    }

    /// <summary>Reads and validates a manifest; errors name <paramref name="origin"/> and the offending key.</summary>
    public static DataManifest Parse(Stream json, string origin)
    {
        DataManifest? m;
        try { m = JsonSerializer.Deserialize<DataManifest>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{origin}: not a valid manifest ({e.Message}).", e); }
        if (m is null) throw new InvalidDataException($"{origin}: empty manifest.");
        if (string.IsNullOrWhiteSpace(m.Name)) throw new InvalidDataException($"{origin}: 'name' is missing.");
        if (m.Files is null || m.Files.Count == 0)
            throw new InvalidDataException($"{origin}: 'files' must list at least one file.");
        foreach (var f in m.Files)
        {
            if (string.IsNullOrWhiteSpace(f.Name) || f.Name.Contains('/') || f.Name.Contains(".."))
                throw new InvalidDataException($"{origin}: file name '{f.Name}' must be a plain file name.");
            if (f.Sha256 is null || f.Sha256.Length != 64 || !f.Sha256.All(Uri.IsHexDigit))
                throw new InvalidDataException($"{origin}: file '{f.Name}' needs a 64-hex-digit 'sha256'.");
            if (f.Size <= 0) throw new InvalidDataException($"{origin}: file '{f.Name}' needs a positive 'size'.");
        }
        if (m.Sources is null || m.Sources.Count == 0)
            throw new InvalidDataException($"{origin}: 'sources' must list at least one source.");
        foreach (var s in m.Sources)
            if (!ArtifactSources.Kinds.Contains(s.Kind))
                throw new InvalidDataException(
                    $"{origin}: source kind '{s.Kind}' is not one of {string.Join(", ", ArtifactSources.Kinds)}.");
        return m with { Classes = m.Classes ?? [] };
    }
}
