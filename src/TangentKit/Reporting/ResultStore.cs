using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>
/// The results folder of one configuration (e.g. <c>results/mini</c>): every experiment's JSON (the contract between
/// long runs and notebooks) stamped with the configuration's fingerprint, so that a result is computed once and read
/// back afterwards, unless the configuration changed. Also collects the report sections for <c>index.html</c>.
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

    /// <summary>
    /// A store in <paramref name="directory"/> for the configuration <paramref name="name"/> with <paramref
    /// name="fingerprint"/>.
    /// </summary>
    public ResultStore(string directory, string name, string fingerprint)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a result store needs a configuration name.",
            nameof(name));
        if (string.IsNullOrWhiteSpace(fingerprint)) throw new ArgumentException("a result store needs a fingerprint.",
            nameof(fingerprint));
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        (Name, Fingerprint) = (name, fingerprint);
    }

    /// <summary>
    /// A short, stable hash of <paramref name="settings"/>'s JSON: results stored under another one are recomputed.
    /// </summary>
    public static string FingerprintOf(object settings) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(settings,
            settings.GetType(), Json))))[..16]
            .ToLowerInvariant();

    /// <summary>The results folder.</summary>
    public string Directory { get; }

    /// <summary>The configuration's name (e.g. the preset).</summary>
    public string Name { get; }

    /// <summary>
    /// Hash of the configuration's settings; results written under another fingerprint are recomputed.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Sections registered so far (for the report index), in the order they were added.</summary>
    public IReadOnlyList<ReportSection> Sections => _sections;

    /// <summary>Full path of <paramref name="fileName"/> in the results folder.</summary>
    public string PathOf(string fileName) => Path.Combine(Directory, fileName);

    /// <summary>True when <paramref name="stem"/>.json exists and was written under this fingerprint.</summary>
    public bool IsCurrent(string stem)
    {
        var path = PathOf(stem + ".json");
        if (!File.Exists(path)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("Fingerprint", out var f) && f.GetString() == Fingerprint;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>
    /// The stored result <paramref name="stem"/>.json if it exists and matches the fingerprint, else null.
    /// </summary>
    public T? TryRead<T>(string stem) where T : class
    {
        var path = PathOf(stem + ".json");
        if (!File.Exists(path)) return null;
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope<T>>(File.ReadAllText(path), Json);
            return envelope?.Fingerprint == Fingerprint ? envelope.Result : null;
        }
        catch (JsonException) { return null; }                   // an older or damaged file is recomputed
    }

    /// <summary>
    /// Reads <paramref name="stem"/>.json, or computes it with <paramref name="compute"/> and writes it atomically.
    /// </summary>
    public T GetOrCompute<T>(string stem, Func<T> compute) where T : class
    {
        if (TryRead<T>(stem) is { } stored) return stored;
        var result = compute();
        var envelope = new Envelope<T>(Name, Fingerprint, DateTimeOffset.UtcNow, result);
        AtomicFile.WriteAllText(PathOf(stem + ".json"), JsonSerializer.Serialize(envelope, Json));
        return result;
    }

    /// <summary>
    /// Writes a section's files (its table as <paramref name="stem"/>.csv, each figure as a page on the shared local
    /// plotly.js and, with Chromium, a PNG redrawn only when its result changed) and records it for the report index.
    /// </summary>
    public ReportSection Publish(string stem, string title, Deedle.Frame<int, string> table, string description,
        string finding,
        IReadOnlyList<FigureSpec> figures)
    {
        Tables.WriteCsv(table, PathOf(stem + ".csv"));
        var result = PathOf(stem + ".json");
        var written = new List<ReportFigure>();
        foreach (var f in figures)
        {
            Figures.SavePage(f.Chart, PathOf(f.Stem + ".html"));
            var png = PathOf(f.Stem + ".png");
            bool pngFresh = File.Exists(png)
                && (!File.Exists(result) || File.GetLastWriteTimeUtc(png) >= File.GetLastWriteTimeUtc(result));
            if (!pngFresh && PngExport.Available) PngExport.TryRender(PathOf(f.Stem + ".html"), png, f.Width, f.Height);
            written.Add(new ReportFigure(f.Stem, Figures.ToFragment(f.Chart), File.Exists(png)));
        }
        var section = new ReportSection(stem, title, description, finding, Tables.ToHtml(table), written);
        _sections.RemoveAll(s => s.Name == stem);
        _sections.Add(section);
        return section;
    }

    sealed record Envelope<T>(string Preset, string Fingerprint, DateTimeOffset Created, T Result);
}

/// <summary>A figure to publish: its file stem, the chart and its size in pixels (for the PNG).</summary>
public sealed record FigureSpec(string Stem, Plotly.NET.GenericChart Chart, int Width, int Height);

/// <summary>
/// A published figure: its file stem, its chart as an HTML fragment (on the page's plotly.js) and whether a PNG exists.
/// </summary>
public sealed record ReportFigure(string Stem, string Fragment, bool HasPng);

/// <summary>One table or figure of the report: what it shows, the claim it tests, and its files.</summary>
/// <param name="Name">File stem, e.g. <c>table1_task_addition</c>.</param>
/// <param name="Title">Heading, e.g. "Table 1 — task addition".</param>
/// <param name="Description">What is computed and how (the protocol and this kit's choices).</param>
/// <param name="Finding">What came out, with numbers, and whether the paper's claim holds here.</param>
/// <param name="TableHtml">The result table as HTML (may be empty).</param>
/// <param name="Figures">The section's figures.</param>
public sealed record ReportSection(string Name, string Title, string Description, string Finding, string TableHtml,
    IReadOnlyList<ReportFigure> Figures);
