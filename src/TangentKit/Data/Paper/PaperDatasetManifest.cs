using System.Text.Json;

namespace TangentKit.Data.Paper;

/// <summary>
/// How one of the paper's datasets is obtained and laid out on disk (<c>data-manifests/paper/*.json</c>, embedded):
/// the user downloads it, so unlike a <see cref="Fetching.DataManifest"/> it lists no files, hashes or sources, only
/// the folder layout the readers expect under a data root, where the files come from and the split rule.
/// </summary>
/// <param name="Name">Task name, e.g. <c>dtd</c>.</param>
/// <param name="Title">Dataset title, e.g. <c>Describable Textures Dataset (DTD)</c>.</param>
/// <param name="Description">What the images are.</param>
/// <param name="Licence">Terms of use as the dataset's authors state them.</param>
/// <param name="Origin">Where the files come from (the official page, by title) and how to prepare them.</param>
/// <param name="Layout">The expected paths under the data root, one per line.</param>
/// <param name="Missing">One sentence for the error raised when the data is not found.</param>
/// <param name="Splits">Train, validation and test splits and their sizes.</param>
/// <param name="Classes">Number of classes (equal to the zero-shot head's).</param>
public sealed record PaperDatasetManifest(string Name, string Title, string Description, string Licence,
    string Origin, IReadOnlyList<string> Layout, string Missing, string Splits, int Classes)
{
    const string ResourcePrefix = "TangentKit.PaperData.";

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Names of the shipped paper-dataset manifests.</summary>
    public static IReadOnlyList<string> Shipped =>
        typeof(PaperDatasetManifest).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix) && n.EndsWith(".json"))
            .Select(n => n[ResourcePrefix.Length..^5]).Order(StringComparer.Ordinal).ToList();

    /// <summary>The manifest of a paper dataset by task name; the error lists the shipped names.</summary>
    public static PaperDatasetManifest Get(string name)
    {
        using var stream = typeof(PaperDatasetManifest).Assembly.GetManifestResourceStream(
                ResourcePrefix + name + ".json")
            ?? throw new ArgumentException(
                $"no paper dataset manifest '{name}'; shipped: {string.Join(", ", Shipped)}.", nameof(name));
        return Parse(stream, $"data-manifests/paper/{name}.json");
    }

    /// <summary>Reads and checks a manifest; errors name <paramref name="origin"/> and the missing key.</summary>
    public static PaperDatasetManifest Parse(Stream json, string origin)
    {
        PaperDatasetManifest? m;
        try { m = JsonSerializer.Deserialize<PaperDatasetManifest>(json, Json); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{origin}: not a valid paper dataset manifest ({e.Message}).", e);
        }
        if (m is null) throw new InvalidDataException($"{origin}: empty manifest.");
        foreach (var (key, value) in new[] { ("name", m.Name), ("title", m.Title), ("description", m.Description),
                     ("licence", m.Licence), ("origin", m.Origin), ("missing", m.Missing), ("splits", m.Splits) })
            if (string.IsNullOrWhiteSpace(value)) throw new InvalidDataException($"{origin}: '{key}' is missing.");
        if (m.Layout is not { Count: > 0 })
            throw new InvalidDataException($"{origin}: 'layout' must list at least one path.");
        if (m.Classes <= 0) throw new InvalidDataException($"{origin}: 'classes' must be a positive count.");
        return m;
    }
}
