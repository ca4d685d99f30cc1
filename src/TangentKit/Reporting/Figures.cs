using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using TangentKit.IO;
using CSharpChart = Plotly.NET.CSharp.Chart;
using GenericChartExtensions = Plotly.NET.CSharp.GenericChartExtensions;

namespace TangentKit.Reporting;

/// <summary>
/// The report's Plotly.NET figures (bars, heat maps, lines) and their offline files: pages and report fragments that
/// share one local copy of plotly.js (the one Plotly.NET ships), PNG via headless Chromium.
/// </summary>
public static class Figures
{
    static readonly DisplayOptions LocalPlotly = Display(PlotlyJSReference.NewCDN(PlotlyJsFile));
    static readonly DisplayOptions NoPlotly = Display(PlotlyJSReference.NoReference);

    static DisplayOptions Display(PlotlyJSReference reference) =>
        DisplayOptions.init(null, null, null, null, null, null, FSharpOption<PlotlyJSReference>.Some(reference));

    /// <summary>Grouped bars: one series per entry of <paramref name="series"/>, one group per category.</summary>
    public static GenericChart Bars(string title, IReadOnlyList<string> categories,
        IEnumerable<(string Name, IReadOnlyList<double> Values)> series, string yTitle, int width = 760,
        int height = 440)
    {
        var chart = CSharpChart.Combine(series.Select(s =>
            CSharpChart.Column<double, string, string>(values: s.Values, Keys: categories.ToArray(), Name: s.Name)));
        return Style(chart, title, "", yTitle, width, height);
    }

    /// <summary>Lines (or markers) of y over x, one per series.</summary>
    public static GenericChart Lines(string title,
        IEnumerable<(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y)> series, string xTitle,
        string yTitle, bool markers = true, int width = 760, int height = 440)
    {
        var chart = CSharpChart.Combine(series.Select(s =>
            CSharpChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowMarkers: markers)));
        return Style(chart, title, xTitle, yTitle, width, height);
    }

    /// <summary>A heat map z[row][column] over (x, y), optionally with a fixed color range.</summary>
    public static GenericChart Heatmap(string title, IReadOnlyList<double> x, IReadOnlyList<double> y, double[][] z,
        string xTitle, string yTitle,
        double? zMin = null, double? zMax = null, int width = 480, int height = 420)
    {
        var chart = CSharpChart.Heatmap<double, double, double, string>(
            zData: z, X: x.ToArray(), Y: y.ToArray(), ColorScale: StyleParam.Colorscale.Viridis);
        if (zMin is { } lo && zMax is { } hi)
        {
            var range = FSharpFunc<Trace, Trace>.FromConverter(t =>
            {
                t.SetProperty("zmin", lo);
                t.SetProperty("zmax", hi);
                return t;
            });
            chart = GenericChart.mapTrace(range, chart);
        }
        return Style(chart, title, xTitle, yTitle, width, height);
    }

    /// <summary>Charts side by side (one row) with a title over each, e.g. the ξ maps of the three modes.</summary>
    public static GenericChart Row(string title, IReadOnlyList<GenericChart> charts,
        IReadOnlyList<string> subplotTitles, int width, int height)
    {
        var grid = Chart.Grid<string[], IEnumerable<GenericChart>>(
            1, charts.Count, FSharpOption<string[]>.Some(subplotTitles.ToArray()),
            null, null, null, null, null, null, null, null, null, null, null, null).Invoke(charts);
        return Style(grid, title, null, null, width, height);
    }

    static GenericChart Style(GenericChart chart, string title, string? xTitle, string? yTitle, int width, int height)
    {
        chart = Chart.withTitle(title, null).Invoke(chart);
        var config = new Config();
        config.SetProperty("displayModeBar", false);                        // static figures: no plotly tool bar
        chart = Chart.withConfig(config).Invoke(chart);
        if (xTitle is not null)
            chart = GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        if (yTitle is not null)
            chart = GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle);
        return GenericChartExtensions.WithSize(chart, Width: width, Height: height);
    }

    /// <summary>
    /// The file name of the local plotly.js that every page and the report index load (written next to them).
    /// </summary>
    public const string PlotlyJsFile = "plotly.min.js";

    /// <summary>
    /// A complete HTML page of the chart that loads <see cref="PlotlyJsFile"/> from its own folder (offline, no CDN).
    /// </summary>
    public static string ToPageHtml(GenericChart chart)
        => GenericChart.toEmbeddedHTML(GenericChart.setDisplayOptions(LocalPlotly, chart));

    /// <summary>
    /// The chart as a <c>div</c> and its drawing script, for a page that already loads plotly.js (the report index).
    /// </summary>
    public static string ToFragment(GenericChart chart)
        => GenericChart.toChartHTML(GenericChart.setDisplayOptions(NoPlotly, chart));

    /// <summary>
    /// Writes the chart's page to <paramref name="htmlPath"/> (atomically) and plotly.js beside it if it is missing.
    /// </summary>
    public static void SavePage(GenericChart chart, string htmlPath)
    {
        AtomicFile.WriteAllText(htmlPath, ToPageHtml(chart));
        EnsurePlotlyJs(Path.GetDirectoryName(Path.GetFullPath(htmlPath))!);
    }

    /// <summary>
    /// Writes <see cref="PlotlyJsFile"/> (and its license) into <paramref name="folder"/> from the copy that Plotly.NET
    /// ships inside its assembly, unless it is already there; returns its path.
    /// </summary>
    public static string EnsurePlotlyJs(string folder)
    {
        var path = Path.Combine(folder, PlotlyJsFile);
        if (File.Exists(path)) return path;
        foreach (var (resource, file) in new[] { (PlotlyJsResource.Value, PlotlyJsFile),
            (PlotlyJsResource.Value + ".LICENSE.txt", PlotlyJsFile + ".LICENSE.txt") })
        {
            using var stream = PlotlyAssembly.GetManifestResourceStream(resource);
            if (stream is null) continue;
            AtomicFile.Write(Path.Combine(folder, file), stream.CopyTo);
        }
        return path;
    }

    /// <summary>The text of the plotly.js that Plotly.NET ships (what <see cref="PlotlyJsFile"/> holds).</summary>
    public static string PlotlyJs => PlotlyJsText.Value;

    /// <summary>That plotly.js's version (e.g. <c>2.28.0</c>), read from the name Plotly.NET gives it.</summary>
    public static string PlotlyJsVersion =>
        PlotlyJsResource.Value.Split("plotly-")[^1].Replace(".min.js", "", StringComparison.Ordinal);

    static System.Reflection.Assembly PlotlyAssembly => typeof(GenericChart).Assembly;

    static readonly Lazy<string> PlotlyJsResource = new(() =>
    {
        var names = PlotlyAssembly.GetManifestResourceNames();
        return names.SingleOrDefault(n => n.EndsWith(".min.js", StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"{PlotlyAssembly.GetName()} carries no plotly.js resource; found: {string.Join(", ", names)}.");
    });

    static readonly Lazy<string> PlotlyJsText = new(() =>
    {
        using var stream = PlotlyAssembly.GetManifestResourceStream(PlotlyJsResource.Value)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
