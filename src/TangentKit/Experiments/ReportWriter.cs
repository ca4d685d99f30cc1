using Plotly.NET;
using TangentKit.Reporting;

namespace TangentKit.Experiments;

/// <summary>Writes one experiment's CSV, figures (HTML, PNG) and report section into the suite's results folder.</summary>
internal static class ReportWriter
{
    public static void Write(Suite suite, string name, string title, Deedle.Frame<int, string> frame, string description, string finding,
        IReadOnlyList<(string Stem, GenericChart Chart, int Width, int Height)> figures)
    {
        Tables.WriteCsv(frame, suite.Results.PathOf(name + ".csv"));
        foreach (var (stem, chart, width, height) in figures)
        {
            var html = suite.Results.PathOf(stem + ".html");
            var png = suite.Results.PathOf(stem + ".png");
            var json = suite.Results.PathOf(name + ".json");
            bool fresh = File.Exists(html) && (!PngExport.Available || File.Exists(png)) && File.GetLastWriteTimeUtc(html) >= File.GetLastWriteTimeUtc(json);
            if (!fresh) Figures.Save(chart, suite.Results.PathOf(stem), width, height);
        }
        suite.Results.AddSection(new ReportSection(name, title, description, finding, Tables.ToHtml(frame), figures.Select(f => f.Stem).ToList()));
        suite.Progress.Message($"{title}: {finding}");
    }
}
