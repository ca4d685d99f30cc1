using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>
/// Writes <c>index.html</c>: the findings first, then every section with its protocol, table and interactive figures
/// (drawn by the folder's one local plotly.js, so the page works offline), linking the JSON, CSV, figure pages and
/// PNGs.
/// </summary>
public static class ReportIndex
{
    /// <summary>
    /// The folder of the results folder that holds executed notebooks and their HTML pages, linked from the index when
    /// present (where <c>tangent-notebook --preset P</c> writes them without <c>--out</c>).
    /// </summary>
    public const string NotebooksFolder = "notebooks";

    /// <summary>Writes the report of <paramref name="store"/>'s sections; returns its path.</summary>
    public static string Write(ResultStore store, string title, string subtitle)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(E(title))
            .Append("</title><style>")
          .Append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table.result{border-collapse:collapse;margin:.5em 0}")
          .Append("table.result td,table.result th{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
          .Append("table.result th{background:#f3f3f3}.scroll{overflow-x:auto}")
          .Append(".finding{background:#f6f9ff;border-left:4px solid #4a7;padding:.5em 1em}")
          .Append("img{max-width:100%;border:1px solid #eee}")
          .Append(".figure{margin:1em 0}</style><script src=\"").Append(Figures.PlotlyJsFile)
              .Append("\"></script></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1><p>").Append(E(subtitle)).Append("</p>");
        sb.Append("<h2>Findings</h2><ul>");
        foreach (var s in store.Sections) sb.Append("<li><a href=\"#").Append(s.Name).Append("\">").Append(E(s.Title))
            .Append("</a>: ").Append(E(s.Finding)).Append("</li>");
        sb.Append("</ul>");
        var notebooks = NotebookPages(store.Directory);
        if (notebooks.Count > 0)
        {
            sb.Append("<h2 id=\"notebooks\">Executed notebooks</h2><ul>");
            foreach (var (stem, pageTitle) in notebooks)
            {
                var href = NotebooksFolder + "/" + Uri.EscapeDataString(stem);
                sb.Append("<li><a href=\"").Append(href).Append(".html\">").Append(E(pageTitle)).Append("</a>");
                if (File.Exists(Path.Combine(store.Directory, NotebooksFolder, stem + ".ipynb")))
                    sb.Append(" (<a href=\"").Append(href).Append(".ipynb\">.ipynb</a>)");
                sb.Append("</li>");
            }
            sb.Append("</ul>");
        }
        foreach (var s in store.Sections)
        {
            sb.Append("<h2 id=\"").Append(s.Name).Append("\">").Append(E(s.Title)).Append("</h2>");
            sb.Append("<p>").Append(E(s.Description)).Append("</p><p class=\"finding\">").Append(E(s.Finding))
                .Append("</p>");
            sb.Append("<div class=\"scroll\">").Append(s.TableHtml).Append("</div>");
            sb.Append("<p>Files: <a href=\"").Append(s.Name).Append(".json\">JSON</a> · <a href=\"").Append(s.Name)
                .Append(".csv\">CSV</a>");
            foreach (var f in s.Figures)
            {
                sb.Append(" · <a href=\"").Append(f.Stem).Append(".html\">").Append(f.Stem).Append(".html</a>");
                if (f.HasPng) sb.Append(" (<a href=\"").Append(f.Stem).Append(".png\">PNG</a>)");
            }
            sb.Append("</p>");
            foreach (var f in s.Figures)
                sb.Append("<div class=\"figure\">").Append(f.Fragment)
                  .Append(f.HasPng ? $"<noscript><img src=\"{f.Stem}.png\" alt=\"{E(s.Title)}\"></noscript>"
                      : "").Append("</div>");
        }
        sb.Append("</body></html>");
        Figures.EnsurePlotlyJs(store.Directory);
        var path = store.PathOf("index.html");
        AtomicFile.WriteAllText(path, sb.ToString());
        return path;
    }

    // (file stem, the page's <title>) of every notebook page in the results folder, by file name.
    static List<(string Stem, string Title)> NotebookPages(string directory)
    {
        var folder = Path.Combine(directory, NotebooksFolder);
        if (!Directory.Exists(folder)) return [];
        return Directory.GetFiles(folder, "*.html").Order(StringComparer.Ordinal).Select(page =>
        {
            var stem = Path.GetFileNameWithoutExtension(page);
            var head = new char[4096];                     // the title sits in the head, before any plotly.js
            int read;
            using (var reader = new StreamReader(page)) read = reader.ReadBlock(head, 0, head.Length);
            var title = Regex.Match(new string(head, 0, read), "<title>(.*?)</title>", RegexOptions.Singleline);
            return (stem, title.Success ? WebUtility.HtmlDecode(title.Groups[1].Value) : stem);
        }).ToList();
    }
}
