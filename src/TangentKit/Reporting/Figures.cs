using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using TangentKit.IO;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace TangentKit.Reporting;

/// <summary>The report's Plotly.NET figures (bars, heat maps, lines) and their offline files: HTML with plotly.js inlined, PNG via headless Chromium.</summary>
public static class Figures
{
    static readonly DisplayOptions Offline = DisplayOptions.init(null, null, null, null, null, null, FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full));

    /// <summary>Grouped bars: one series per entry of <paramref name="series"/>, one group per category.</summary>
    public static GenericChart Bars(string title, IReadOnlyList<string> categories, IEnumerable<(string Name, IReadOnlyList<double> Values)> series, string yTitle, int width = 760, int height = 440)
    {
        var chart = CSharpChart.Combine(series.Select(s => CSharpChart.Column<double, string, string>(values: s.Values, Keys: categories.ToArray(), Name: s.Name)));
        return Style(chart, title, "", yTitle, width, height);
    }

    /// <summary>Lines (or markers) of y over x, one per series.</summary>
    public static GenericChart Lines(string title, IEnumerable<(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)> series, string xTitle, string yTitle, bool markers = true, int width = 760, int height = 440)
    {
        var chart = CSharpChart.Combine(series.Select(s => CSharpChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowMarkers: markers)));
        return Style(chart, title, xTitle, yTitle, width, height);
    }

    /// <summary>A heat map z[row][column] over (x, y), optionally with a fixed colour range.</summary>
    public static GenericChart Heatmap(string title, IReadOnlyList<double> x, IReadOnlyList<double> y, double[][] z, string xTitle, string yTitle,
        double? zMin = null, double? zMax = null, int width = 480, int height = 420)
    {
        var chart = CSharpChart.Heatmap<double, double, double, string>(zData: z, X: x.ToArray(), Y: y.ToArray(), ColorScale: StyleParam.Colorscale.Viridis);
        if (zMin is { } lo && zMax is { } hi)
            chart = GenericChart.mapTrace(FSharpFunc<Trace, Trace>.FromConverter(t => { t.SetProperty("zmin", lo); t.SetProperty("zmax", hi); return t; }), chart);
        return Style(chart, title, xTitle, yTitle, width, height);
    }

    /// <summary>Charts side by side (one row) with a title over each, e.g. the ξ maps of the three modes.</summary>
    public static GenericChart Row(string title, IReadOnlyList<GenericChart> charts, IReadOnlyList<string> subplotTitles, int width, int height)
    {
        var grid = Chart.Grid<string[], IEnumerable<GenericChart>>(1, charts.Count, FSharpOption<string[]>.Some(subplotTitles.ToArray()),
            null, null, null, null, null, null, null, null, null, null, null, null).Invoke(charts);
        return Style(grid, title, null, null, width, height);
    }

    static GenericChart Style(GenericChart chart, string title, string? xTitle, string? yTitle, int width, int height)
    {
        chart = Chart.withTitle(title, null).Invoke(chart);
        var config = new Config();
        config.SetProperty("displayModeBar", false);                        // static figures: no plotly tool bar
        chart = Chart.withConfig(config).Invoke(chart);
        if (xTitle is not null) chart = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        if (yTitle is not null) chart = Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle);
        return Plotly.NET.CSharp.GenericChartExtensions.WithSize(chart, Width: width, Height: height);
    }

    /// <summary>Self-contained HTML of the chart (plotly.js inlined: works offline).</summary>
    public static string ToOfflineHtml(GenericChart chart) => GenericChart.toEmbeddedHTML(GenericChart.setDisplayOptions(Offline, chart));

    /// <summary>Writes <paramref name="stem"/>.html and, when Chromium is installed, <paramref name="stem"/>.png; returns the files written.</summary>
    public static IReadOnlyList<string> Save(GenericChart chart, string stem, int width, int height)
    {
        var html = stem + ".html";
        AtomicFile.WriteAllText(html, ToOfflineHtml(chart));
        var files = new List<string> { html };
        if (PngExport.Available && PngExport.TryRender(html, stem + ".png", width, height)) files.Add(stem + ".png");
        return files;
    }
}
