using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TangentKit.Experiments;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>
/// The results folder of one preset (e.g. <c>results/mini</c>): every experiment's JSON (the contract between long runs and
/// notebooks), with the preset's fingerprint, so that a result is computed once and read back afterwards — unless the
/// preset changed. Also collects the report sections for <c>index.html</c>.
/// </summary>
public sealed class ResultStore
{
    /// <summary>JSON options used for every result file (NaN allowed, enums as names, indented).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    readonly List<ReportSection> _sections = [];

    /// <summary>A store in <paramref name="directory"/> for <paramref name="preset"/>.</summary>
    public ResultStore(string directory, Preset preset)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        PresetName = preset.Name;
        Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(preset, Json))))[..16].ToLowerInvariant();
    }

    /// <summary>The results folder.</summary>
    public string Directory { get; }

    /// <summary>The preset's name.</summary>
    public string PresetName { get; }

    /// <summary>Hash of the preset's settings; results written under another fingerprint are recomputed.</summary>
    public string Fingerprint { get; }

    /// <summary>Sections registered so far (for the report index).</summary>
    public IReadOnlyList<ReportSection> Sections => _sections;

    /// <summary>Full path of <paramref name="fileName"/> in the results folder.</summary>
    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>The stored result <paramref name="name"/>.json if it exists and matches the preset, else null.</summary>
    public T? TryRead<T>(string name) where T : class
    {
        var path = PathOf(name + ".json");
        if (!File.Exists(path)) return null;
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope<T>>(File.ReadAllText(path), Json);
            return envelope?.Fingerprint == Fingerprint ? envelope.Result : null;
        }
        catch (JsonException) { return null; }                   // an older or damaged file is recomputed
    }

    /// <summary>Reads <paramref name="name"/>.json, or computes it with <paramref name="compute"/> and writes it atomically.</summary>
    public T GetOrCompute<T>(string name, Func<T> compute) where T : class
    {
        if (TryRead<T>(name) is { } stored) return stored;
        var result = compute();
        AtomicFile.WriteAllText(PathOf(name + ".json"), JsonSerializer.Serialize(new Envelope<T>(PresetName, Fingerprint, DateTimeOffset.UtcNow, result), Json));
        return result;
    }

    /// <summary>Records a section of the report (replacing one of the same name).</summary>
    public void AddSection(ReportSection section)
    {
        _sections.RemoveAll(s => s.Name == section.Name);
        _sections.Add(section);
    }

    sealed record Envelope<T>(string Preset, string Fingerprint, DateTimeOffset Created, T Result);
}

/// <summary>One table or figure of the report: what it shows, the claim it tests, and its files.</summary>
/// <param name="Name">File stem, e.g. <c>table1_task_addition</c>.</param>
/// <param name="Title">Heading, e.g. "Table 1 — task addition".</param>
/// <param name="Description">What is computed and how (the protocol and this kit's choices).</param>
/// <param name="Finding">What came out, with numbers, and whether the paper's claim holds here.</param>
/// <param name="TableHtml">The result table as HTML (may be empty).</param>
/// <param name="Figures">Figure file stems (each has .html and, with Chromium, .png).</param>
public sealed record ReportSection(string Name, string Title, string Description, string Finding, string TableHtml, IReadOnlyList<string> Figures);
