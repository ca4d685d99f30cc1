using TangentKit.Benchmarks;

namespace TangentKit.Tests.Benchmarks;

/// The file `tangent bench --json` writes is read back by `--from` unchanged, and its Markdown table carries the
/// hand-computed ratios.
public sealed class BenchReportTests
{
    static BenchReport Sample() => new(2, 32, 5, 1,
    [
        new BenchCase(new StepTiming("resnet 32px", 200, 300, 1.5, 5, 250, 0.8,
            new Dictionary<string, double[]> { ["standard"] = [1, 2, 3, 4] }), 100L * 1048576, 130L * 1048576),
        new BenchCase(new StepTiming("vit", 900, 1500, 1.6667, 5, double.NaN, double.NaN,
            new Dictionary<string, double[]>()), null, null),
    ], new AffineSpeedup("resnet 32px", 21, 2100, 100, 0));

    [Fact]
    public void A_saved_report_reads_back_with_the_same_figures()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("tangentkit-bench-").FullName, "bench.json");
        var report = Sample();
        report.Save(path);
        var back = BenchReport.Load(path);
        Assert.Equal(report.Threads, back.Threads);
        Assert.Equal(report.Cases.Count, back.Cases.Count);
        Assert.Equal(250, back.Cases[0].Timing.PeerMs);
        Assert.True(double.IsNaN(back.Cases[1].Timing.PeerMs));
        Assert.Equal([1.0, 2, 3, 4], back.Cases[0].Timing.Phases["standard"]);
        Assert.Equal(1.3, back.Cases[0].MemoryRatio, 12);
        Assert.Equal(21.0, back.Affine.Speedup, 12);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void The_markdown_table_has_one_row_per_case_with_dashes_where_nothing_was_measured()
    {
        var lines = Sample().ToMarkdown().TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal("| resnet 32px | 250 | 200 | 0.80× | 300 | 1.50× | 1.30× |", lines[2]);
        Assert.Equal("| vit | – | 900 | – | 1500 | 1.67× | – |", lines[3]);
    }

    [Fact]
    public void A_file_that_is_not_a_report_is_named()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("tangentkit-bench-").FullName, "other.json");
        File.WriteAllText(path, "{\"steps\": 3");
        var e = Assert.Throws<InvalidDataException>(() => BenchReport.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Throws<FileNotFoundException>(() => BenchReport.Load(path + ".missing"));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
