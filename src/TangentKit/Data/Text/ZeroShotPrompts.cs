using System.Text.Json;

namespace TangentKit.Data.Text;

/// <summary>
/// The templates and class names a task's CLIP zero-shot head is built from (<c>data-manifests/zero-shot/*.json</c>,
/// embedded in the library): the eight tasks of the paper and the ImageNet control, as the reference code lists them
/// (research/paper.md §3.4). Class names are in the label order of the task's reader; as in the reference code, two
/// ImageNet classes share a name with another ("missile", "sunglasses").
/// </summary>
public sealed record ZeroShotPrompts(string Task, string Title, string Provenance, string Placeholder,
    IReadOnlyList<string> Templates, IReadOnlyList<string> Classes)
{
    const string ResourcePrefix = "TangentKit.ZeroShot.";

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Task names with shipped prompts (<c>cars</c>, <c>dtd</c>, …, <c>imagenet</c>).</summary>
    public static IReadOnlyList<string> Shipped =>
        typeof(ZeroShotPrompts).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix) && n.EndsWith(".json"))
            .Select(n => n[ResourcePrefix.Length..^5]).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The prompts of a task by name, case-insensitive, with or without the reference code's <c>Val</c> suffix
    /// (<c>EuroSAT</c>, <c>EuroSATVal</c> and <c>eurosat</c> are one head); the error lists the shipped names.
    /// </summary>
    public static ZeroShotPrompts Get(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var key = task.ToLowerInvariant();
        if (key.EndsWith("val") && !Shipped.Contains(key)) key = key[..^3];
        using var stream = typeof(ZeroShotPrompts).Assembly.GetManifestResourceStream(ResourcePrefix + key + ".json")
            ?? throw new ArgumentException(
                $"no zero-shot prompts for task '{task}'; shipped: {string.Join(", ", Shipped)}.", nameof(task));
        return Parse(stream, $"data-manifests/zero-shot/{key}.json");
    }

    /// <summary>Reads and checks a prompts file; errors name <paramref name="origin"/> and the offending key.</summary>
    public static ZeroShotPrompts Parse(Stream json, string origin)
    {
        ZeroShotPrompts? p;
        try { p = JsonSerializer.Deserialize<ZeroShotPrompts>(json, Json); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{origin}: not a valid zero-shot prompts file ({e.Message}).", e);
        }
        if (p is null) throw new InvalidDataException($"{origin}: empty zero-shot prompts file.");
        if (string.IsNullOrWhiteSpace(p.Task)) throw new InvalidDataException($"{origin}: 'task' is missing.");
        if (string.IsNullOrEmpty(p.Placeholder))
            throw new InvalidDataException($"{origin}: 'placeholder' (the class-name slot, e.g. {{c}}) is missing.");
        if (p.Templates is not { Count: > 0 })
            throw new InvalidDataException($"{origin}: 'templates' must list at least one template.");
        foreach (var t in p.Templates)
            if (t is null || !t.Contains(p.Placeholder))
                throw new InvalidDataException(
                    $"{origin}: template \"{t}\" has no class-name placeholder {p.Placeholder}.");
        if (p.Classes is not { Count: > 0 } || p.Classes.Any(string.IsNullOrWhiteSpace))
            throw new InvalidDataException($"{origin}: 'classes' must list non-empty class names.");
        return p;
    }

    /// <summary>The texts of class <paramref name="classIndex"/>: every template with its name filled in.</summary>
    public IReadOnlyList<string> Texts(int classIndex) =>
        Templates.Select(t => t.Replace(Placeholder, Classes[classIndex])).ToList();
}
