using System.Net;
using System.Text;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>Writes <c>index.html</c>: the findings first, then every table and figure of the run with its protocol, linking the files.</summary>
public static class ReportIndex
{
    /// <summary>Writes the report of <paramref name="store"/>'s sections; returns its path.</summary>
    public static string Write(ResultStore store, string title, string subtitle)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(E(title)).Append("</title><style>")
          .Append("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}")
          .Append("table.result{border-collapse:collapse;margin:.5em 0}table.result td,table.result th{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
          .Append("table.result th{background:#f3f3f3}.finding{background:#f6f9ff;border-left:4px solid #4a7;padding:.5em 1em}img{max-width:100%;border:1px solid #eee}")
          .Append("</style></head><body>");
        sb.Append("<h1>").Append(E(title)).Append("</h1><p>").Append(E(subtitle)).Append("</p>");
        sb.Append("<h2>Findings</h2><ul>");
        foreach (var s in store.Sections) sb.Append("<li><a href=\"#").Append(s.Name).Append("\">").Append(E(s.Title)).Append("</a>: ").Append(E(s.Finding)).Append("</li>");
        sb.Append("</ul>");
        foreach (var s in store.Sections)
        {
            sb.Append("<h2 id=\"").Append(s.Name).Append("\">").Append(E(s.Title)).Append("</h2>");
            sb.Append("<p>").Append(E(s.Description)).Append("</p><p class=\"finding\">").Append(E(s.Finding)).Append("</p>");
            sb.Append(s.TableHtml);
            sb.Append("<p>Files: <a href=\"").Append(s.Name).Append(".json\">JSON</a> · <a href=\"").Append(s.Name).Append(".csv\">CSV</a>");
            foreach (var f in s.Figures) sb.Append(" · <a href=\"").Append(f).Append(".html\">").Append(f).Append(".html</a>");
            sb.Append("</p>");
            foreach (var f in s.Figures)
                sb.Append(File.Exists(store.PathOf(f + ".png"))
                    ? $"<p><a href=\"{f}.html\"><img src=\"{f}.png\" alt=\"{E(s.Title)}\"></a></p>"
                    : $"<p><a href=\"{f}.html\">open the interactive figure</a> (PNG needs Chromium)</p>");
        }
        sb.Append("</body></html>");
        var path = store.PathOf("index.html");
        AtomicFile.WriteAllText(path, sb.ToString());
        return path;
    }
}
