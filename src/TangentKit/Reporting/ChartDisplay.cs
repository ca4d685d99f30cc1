using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Plotly.NET;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>
/// Notebook outputs of Plotly.NET charts that draw without a network: HTML on the local plotly.js of
/// <see cref="Figures"/> (inlined into the first chart a kernel session shows) and, with Chromium, a PNG of the same
/// chart, also shown inside the HTML wherever scripts do not run. One instance per kernel session; registered as the
/// chart formatter in notebooks/_session.dib.
/// </summary>
/// <example>
/// <code>
/// var charts = new ChartDisplay();
/// Formatter.Register(typeof(GenericChart), (object c, TextWriter w) => w.Write(charts.Html((GenericChart)c)),
///     "text/html");
/// Formatter.SetPreferredMimeTypesFor(typeof(GenericChart), charts.MimeTypes.ToArray());
/// </code>
/// </example>
public sealed class ChartDisplay
{
    /// <summary>
    /// The attribute that marks the inline plotly.js script, so that a page holding several outputs can load one
    /// shared file instead.
    /// </summary>
    public const string PlotlyScriptMarker = "data-tangentkit-plotly";

    // Both MIME types of one display are formatted separately: the PNG is rendered once per chart object.
    readonly ConditionalWeakTable<GenericChart, StrongBox<string?>> _pngs = new();
    readonly bool _png;
    bool _plotlyShown;

    /// <summary>
    /// A session's chart display: plotly.js inline in its first chart only (the rest reuse that page's
    /// <c>window.Plotly</c>) unless <paramref name="plotlyInEveryChart"/>; PNGs when <paramref name="png"/> and
    /// Chromium is installed.
    /// </summary>
    public ChartDisplay(bool plotlyInEveryChart = false, bool png = true)
        => (PlotlyInEveryChart, _png) = (plotlyInEveryChart, png);

    /// <summary>True when every chart carries its own plotly.js (3.6 MB each), not only the session's first.</summary>
    public bool PlotlyInEveryChart { get; }

    /// <summary>True when charts also get a PNG (asked for, and Chromium found).</summary>
    public bool RendersPng => _png && PngExport.Available;

    /// <summary>A chart display's MIME types in order: text/html, then image/png when PNGs are rendered.</summary>
    public IReadOnlyList<string> MimeTypes => RendersPng ? ["text/html", "image/png"] : ["text/html"];

    /// <summary>
    /// The chart as HTML: plotly.js if this session has not shown it yet, the PNG as a static picture, and a script
    /// that replaces the picture with the interactive chart when plotly.js is there.
    /// </summary>
    public string Html(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var (width, height) = Size(chart);
        var id = $"tangentkit-chart-{Guid.NewGuid():N}";
        var sb = new StringBuilder();
        if (PlotlyInEveryChart || !_plotlyShown)
        {
            sb.Append(PlotlyScript());
            _plotlyShown = true;
        }
        sb.Append("<div id=\"").Append(id).Append("\" class=\"tangentkit-chart\">");
        if (PngBase64(chart) is { } png)
            sb.Append("<img src=\"data:image/png;base64,").Append(png)      // the screenshot is 20 px larger
                .Append("\" width=\"").Append(width + 20).Append("\" height=\"").Append(height + 20)
                .Append("\" alt=\"").Append(WebUtility.HtmlEncode(Title(chart)))
                .Append("\" style=\"max-width:100%;height:auto\">");
        // Plotly.newPlot takes the figure object {data, layout, config} as its second argument.
        sb.Append("</div><script type=\"text/javascript\">(function () {\n")
          .Append("  var el = document.getElementById('").Append(id).Append("');\n")
          .Append("  if (!el || !window.Plotly) return;\n")
          .Append("  el.innerHTML = '';\n")
          .Append("  window.Plotly.newPlot(el, ").Append(ScriptSafe(GenericChart.toJson(chart))).Append(");\n")
          .Append("})();</script>");
        return sb.ToString();
    }

    /// <summary>
    /// The chart as a base64 PNG rendered by headless Chromium (once per chart object), or null without Chromium or
    /// when it fails.
    /// </summary>
    public string? PngBase64(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        if (!RendersPng) return null;
        return _pngs.GetValue(chart, c => new StrongBox<string?>(Render(c))).Value;
    }

    /// <summary>
    /// The script that defines <c>window.Plotly</c> from the kit's local plotly.js, unless the page already has it.
    /// </summary>
    public static string PlotlyScript()
    {
        // Hiding define/exports/module makes plotly's UMD wrapper set window.Plotly even where require.js is loaded
        // (the classic Jupyter Notebook), instead of registering an AMD module that nothing asks for.
        return $"<script type=\"text/javascript\" {PlotlyScriptMarker}=\"{Figures.PlotlyJsVersion}\">\n" +
            "if (!window.Plotly) (function (define, exports, module) {\n" + ScriptSafe(Figures.PlotlyJs) +
            "\n}).call(window);\n</script>";
    }

    static string? Render(GenericChart chart)
    {
        var (width, height) = Size(chart);
        var folder = Path.Combine(KitCache.Root, "plotly", Figures.PlotlyJsVersion);
        var stem = Path.Combine(folder, $"chart-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Figures.SavePage(chart, stem + ".html");
            return PngExport.TryRender(stem + ".html", stem + ".png", width, height)
                ? Convert.ToBase64String(File.ReadAllBytes(stem + ".png"))
                : null;
        }
        finally
        {
            File.Delete(stem + ".html");
            File.Delete(stem + ".png");
        }
    }

    // Plotly.NET's default when a chart sets no size is plotly's own (700 × 450); the kit's figures set theirs.
    static (int Width, int Height) Size(GenericChart chart)
    {
        var (width, height) = GenericChart.tryGetLayoutSize(chart);
        return (width?.Value ?? 700, height?.Value ?? 450);
    }

    static string Title(GenericChart chart)
    {
        var title = GenericChart.getLayout(chart).TryGetTypedPropertyValue<Title>("title");
        return title?.Value?.TryGetTypedPropertyValue<string>("text")?.Value ?? "chart";
    }

    // Inside a <script> element, "</script" ends it early whatever the JavaScript around it means; "<\/" is the same
    // text inside a string or regular expression, the only places plotly.js and chart JSON can hold it.
    static string ScriptSafe(string javascript) =>
        javascript.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase);
}
