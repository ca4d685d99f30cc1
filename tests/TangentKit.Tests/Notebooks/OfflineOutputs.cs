using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using SkiaSharp;
using TangentKit.Reporting;

namespace TangentKit.Tests.Notebooks;

/// Checks that executed notebooks and their pages draw with no network, against facts taken outside the kit's code:
/// plotly.js as Plotly.NET's assembly carries it, the PNG signature, the decoded pixels, what Chromium draws.
static class OfflineOutputs
{
    /// plotly.js read here from Plotly.NET's assembly: the local copy that chart outputs must carry.
    public static string PlotlyJs { get; } = ReadPlotlyJs();

    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // A remote reference: any http(s) URL, a protocol-relative src/href, plotly's CDN, or a require.js call.
    static readonly Regex Remote = new(@"https?://|\b(?:src|href)\s*=\s*[""']?//|cdn\.plot\.ly|require(?:js)?\s*\(",
        RegexOptions.IgnoreCase);

    /// Every output of an executed notebook: what it shows, by MIME type (or the stream's or error's text).
    public static List<Dictionary<string, string>> Outputs(JsonDocument notebook) =>
        notebook.RootElement.GetProperty("cells").EnumerateArray()
            .SelectMany(c => c.TryGetProperty("outputs", out var o) ? o.EnumerateArray() : [])
            .Select(o => o.TryGetProperty("data", out var data)
                ? data.EnumerateObject().ToDictionary(p => p.Name, p => Text(p.Value))
                : new Dictionary<string, string> { [o.GetProperty("output_type").GetString()!] = Text(o) })
            .ToList();

    /// Fails unless no output references the network once the inline plotly.js is set aside, the chart outputs
    /// carry plotly.js once (the session's first chart) and a PNG when Chromium is installed, and every Deedle
    /// table also has Deedle's text. Returns the number of chart outputs.
    public static int AssertDrawOffline(IReadOnlyList<Dictionary<string, string>> outputs, string notebook)
    {
        foreach (var output in outputs)
            foreach (var (mime, text) in output)
            {
                var remote = Remote.Match(text.Replace(PlotlyJs, "", StringComparison.Ordinal));
                Assert.False(remote.Success, $"{notebook}: a {mime} output references the network: '{remote.Value}' " +
                    $"in …{Around(text, remote.Index)}…");
            }

        var charts = outputs.Where(o => o.GetValueOrDefault("text/html", "").Contains("Plotly.newPlot")).ToList();
        var carrying = outputs.Where(o => o.Values.Any(v => v.Contains(PlotlyJs, StringComparison.Ordinal))).ToList();
        if (charts.Count > 0)
        {
            Assert.True(carrying.Count == 1, $"{notebook}: {carrying.Count} outputs carry plotly.js, expected one");
            Assert.Same(charts[0], carrying[0]);
            var library = charts[0]["text/html"].IndexOf(PlotlyJs, StringComparison.Ordinal);
            Assert.True(library < charts[0]["text/html"].IndexOf("Plotly.newPlot", StringComparison.Ordinal),
                $"{notebook}: the first chart draws before plotly.js is defined");
        }
        else Assert.Empty(carrying);
        foreach (var chart in charts)
        {
            if (!PngExport.Available) continue;
            Assert.True(chart.ContainsKey("image/png"), $"{notebook}: a chart output has no image/png");
            AssertPicture(Convert.FromBase64String(chart["image/png"]), notebook);
        }

        var tables = outputs.Where(o => o.GetValueOrDefault("text/html", "").Contains("<table class=\"result\">"))
            .ToList();
        Assert.True(tables.Count > 0, $"{notebook}: no Deedle table was shown (the set-up shows one)");
        foreach (var table in tables)
        {
            Assert.True(table.TryGetValue("text/plain", out var plain) && plain.Length > 0,
                $"{notebook}: a Deedle table has no text/plain");
            // The text lists the same column keys as the HTML header, and one line per HTML row (header, rows and
            // "… more rows") plus the rule under the header.
            foreach (Match header in Regex.Matches(table["text/html"], "<th>(.*?)</th>"))
                Assert.Contains(WebUtility.HtmlDecode(header.Groups[1].Value), plain);
            var lines = plain.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Regex.Matches(table["text/html"], "<tr>").Count + 1, lines.Length);
            Assert.Matches("^[- ]+$", lines[1]);
        }
        return charts.Count;
    }

    /// Fails unless <paramref name="png"/> is a PNG that decodes to a picture with more than one color.
    public static void AssertPicture(byte[] png, string what)
    {
        Assert.True(png.AsSpan().StartsWith(PngSignature), $"{what}: the image/png is not a PNG");
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(bitmap is { Width: > 100, Height: > 100 },
            $"{what}: the PNG does not decode to a chart-sized image");
        var colors = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                colors.Add((uint)bitmap.GetPixel(x, y));
        Assert.True(colors.Count > 2, $"{what}: the PNG is blank ({colors.Count} distinct colors)");
    }

    /// Fails when <paramref name="html"/> references the network (an http(s) URL, plotly's CDN, require.js).
    public static void AssertNoRemoteReference(string html, string what)
    {
        var remote = Remote.Match(html);
        Assert.False(remote.Success,
            $"{what} references the network: '{remote.Value}' in …{Around(html, remote.Index)}…");
    }

    /// The document Chromium builds from <paramref name="page"/> after its scripts ran, with every request to the
    /// network sent to a closed port; null without Chromium.
    public static string? RenderedDom(string page)
    {
        if (PngExport.Browser is null) return null;
        var profile = Directory.CreateTempSubdirectory("tangentkit-test-chromium-").FullName;
        try
        {
            var psi = new ProcessStartInfo(PngExport.Browser)
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--proxy-server=127.0.0.1:9",
                $"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom",
                new Uri(Path.GetFullPath(page)).AbsoluteUri })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            _ = p.StandardError.ReadToEndAsync();
            var dom = p.StandardOutput.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(90)), $"Chromium did not finish rendering {page}");
            return dom.Result;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }

    static string ReadPlotlyJs()
    {
        var assembly = typeof(Plotly.NET.GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".min.js", StringComparison.Ordinal));
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        var text = reader.ReadToEnd();
        Assert.True(text.Length > 1_000_000, $"{name} is only {text.Length} characters");
        return text;
    }

    static string Around(string text, int at) => text.Substring(Math.Max(0, at - 60), Math.Min(120, text.Length -
        Math.Max(0, at - 60)));

    // nbformat stores a text as one string or a list of lines; a stream or error output keeps it in its fields.
    static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Array => string.Concat(e.EnumerateArray().Select(Text)),
        JsonValueKind.Object => string.Concat(e.EnumerateObject().Select(p => Text(p.Value))),
        _ => "",
    };
}
