using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;

namespace TangentKit.Notebooks;

/// An executed notebook as a standalone HTML page: markdown rendered, code as escaped source, outputs by MIME type
/// (HTML inline, PNG as an image, text and streams preformatted, errors marked). Charts load one plotly.min.js from
/// the page's folder, so the pages of a folder share it and draw with no network.
static class NotebookPage
{
    const string PlotlyFile = "plotly.min.js";

    // A session's first chart carries plotly.js inline in a script marked so (ChartDisplay.PlotlyScriptMarker in the
    // library); a page loads the shared file in its head instead, 3.6 MB less per page.
    static readonly Regex InlinePlotly = new(@"<script\b[^>]*\bdata-tangentkit-plotly\b[^>]*>.*?</script\s*>",
        RegexOptions.Singleline | RegexOptions.IgnoreCase | RegexOptions.Compiled);

    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// Writes the page of the nbformat 4 document <paramref name="notebook"/> to <paramref name="htmlPath"/>
    /// (atomically) and plotly.min.js beside it when a chart needs it.
    public static void Write(JsonNode notebook, string htmlPath)
    {
        var name = Path.GetFileNameWithoutExtension(htmlPath);
        var cells = notebook["cells"]?.AsArray()
            ?? throw new InvalidDataException($"{name}: the executed notebook has no 'cells' array");
        var body = new StringBuilder();
        string? title = null;
        foreach (var cell in cells.OfType<JsonNode>())
        {
            var source = Text(cell["source"]);
            switch ((string?)cell["cell_type"])
            {
                case "markdown":
                    title ??= Regex.Match(source, @"^\s*#+\s+(.+)$", RegexOptions.Multiline) is { Success: true } m
                        ? m.Groups[1].Value.Trim() : null;
                    body.Append("<div class=\"cell markdown\">").Append(Markdown.ToHtml(source, Pipeline))
                        .Append("</div>\n");
                    break;
                case "code":
                    body.Append("<div class=\"cell code\"><pre class=\"source\"><code>").Append(E(source))
                        .Append("</code></pre>\n");
                    foreach (var output in cell["outputs"]?.AsArray().OfType<JsonNode>() ?? [])
                        body.Append("<div class=\"output\">").Append(Output(output)).Append("</div>\n");
                    body.Append("</div>\n");
                    break;
                default:
                    body.Append("<pre class=\"source\">").Append(E(source)).Append("</pre>\n");
                    break;
            }
        }

        var html = body.ToString();
        var folder = Path.GetDirectoryName(Path.GetFullPath(htmlPath))!;
        bool sharedPlotly = InlinePlotly.IsMatch(html) && WritePlotly(folder);
        if (sharedPlotly) html = InlinePlotly.Replace(html, "");
        var page = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\">")
            .Append("<title>").Append(E(title ?? name)).Append("</title>")
            .Append(sharedPlotly ? $"<script src=\"{PlotlyFile}\"></script>" : "")
            .Append("<style>")
            .Append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
            .Append("pre{background:#f6f8fa;padding:.6em .8em;overflow-x:auto;font-size:13px}")
            .Append(".cell.code{margin:1em 0}.source{border-left:3px solid #4a7fcb}")
            .Append(".output{margin:.3em 0 .3em 1.2em}.output pre{background:#fff;border:1px solid #eee}")
            .Append(".stderr{color:#a40}.error{background:#fff0f0 !important;color:#a00;border-color:#e99 !important}")
            .Append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}")
            .Append(".meta{color:#777;font-size:90%}</style></head><body>\n")
            .Append("<p class=\"meta\">Executed copy of <a href=\"").Append(E(Uri.EscapeDataString(name)))
            .Append(".ipynb\">").Append(E(name)).Append(".ipynb</a> (tangent-notebook, ")
            .Append(DateTime.Now.ToString("yyyy-MM-dd HH:mm")).Append(")</p>\n")
            .Append(html).Append("</body></html>\n");
        var tmp = $"{htmlPath}.{Environment.ProcessId}.tmp";
        File.WriteAllText(tmp, page.ToString());
        File.Move(tmp, htmlPath, overwrite: true);
    }

    // Richest type first, as notebook front-ends choose: HTML (charts, tables), images, markdown, then plain text.
    static string Output(JsonNode output)
    {
        switch ((string?)output["output_type"])
        {
            case "stream":
                var stream = (string?)output["name"] == "stderr" ? "stream stderr" : "stream";
                return $"<pre class=\"{stream}\">{E(Text(output["text"]))}</pre>";
            case "error":
                var trace = string.Join("\n", output["traceback"]?.AsArray().Select(t => (string?)t) ?? []);
                return $"<pre class=\"error\">{E($"{(string?)output["ename"]}: {(string?)output["evalue"]}")}" +
                    (trace.Length > 0 ? "\n" + E(trace) : "") + "</pre>";
        }
        if (output["data"] is not JsonObject data) return "";
        if (data["text/html"] is { } htmlValue) return Text(htmlValue);
        if (data["image/png"] is { } png)
            return $"<img src=\"data:image/png;base64,{Regex.Replace(Text(png), @"\s", "")}\" alt=\"output\">";
        if (data["image/svg+xml"] is { } svg) return Text(svg);
        if (data["text/markdown"] is { } markdown) return Markdown.ToHtml(Text(markdown), Pipeline);
        if (data["text/plain"] is { } plain) return $"<pre>{E(Text(plain))}</pre>";
        var other = data.FirstOrDefault();
        return other.Value is null ? "" : $"<pre>{E(other.Key)}: {E(other.Value.ToJsonString())}</pre>";
    }

    // The plotly.js that the notebook's charts inlined is the one Plotly.NET ships; the kernel ran in this process,
    // so that assembly is loaded here. False (the page keeps its inline copy) when it is not.
    static bool WritePlotly(string folder)
    {
        var plotly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Plotly.NET");
        var resource = plotly?.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(".min.js"));
        if (resource is null) return false;
        using var stream = plotly!.GetManifestResourceStream(resource)!;
        var target = Path.Combine(folder, PlotlyFile);
        if (File.Exists(target) && new FileInfo(target).Length == stream.Length) return true;
        var tmp = $"{target}.{Environment.ProcessId}.tmp";
        using (var file = File.Create(tmp)) stream.CopyTo(file);
        File.Move(tmp, target, overwrite: true);
        return true;
    }

    // nbformat stores text as one string or as a list of lines.
    static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        _ => (string?)node ?? "",
    };

    static string E(string s) => WebUtility.HtmlEncode(s);
}
