using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TangentKit.IO;

namespace TangentKit.Benchmarks;

/// <summary>
/// One case of a benchmark run: its step timings and, when measured, the peak memory of a step per mode.
/// </summary>
/// <param name="Timing">
/// Step times of both modes and of the TorchSharp-modules peer, with the per-phase profile.
/// </param>
/// <param name="StandardPeakBytes">Peak resident memory of a standard step above the level before it, or null.</param>
/// <param name="LinearPeakBytes">The same for a linearized step, or null.</param>
public sealed record BenchCase(StepTiming Timing, long? StandardPeakBytes, long? LinearPeakBytes)
{
    /// <summary>Linear peak / standard peak, or NaN when memory was not measured.</summary>
    public double MemoryRatio => StandardPeakBytes is > 0 && LinearPeakBytes is { } linear
        ? (double)linear / StandardPeakBytes.Value
        : double.NaN;
}

/// <summary>
/// Everything one <c>tangent bench</c> run measured: the file that <c>--json</c> writes and <c>--from</c> reads
/// back, and the Markdown table of the README's cost section.
/// </summary>
/// <param name="Threads">Intra-op threads.</param>
/// <param name="Batch">Batch size of every case.</param>
/// <param name="Rounds">Measured rounds per case.</param>
/// <param name="Warmup">Unmeasured rounds first.</param>
/// <param name="Cases">Every case, in the order measured.</param>
/// <param name="Affine">The affine shortcut's speed-up over per-α network passes.</param>
public sealed record BenchReport(int Threads, int Batch, int Rounds, int Warmup, IReadOnlyList<BenchCase> Cases,
    AffineSpeedup Affine)
{
    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the report as JSON to <paramref name="path"/> (atomically).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads a report written by <see cref="Save"/>; the error names the file and what is wrong.</summary>
    public static BenchReport Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"benchmark file not found: {path}.", path);
        try
        {
            var report = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(path), Json);
            if (report?.Cases is null || report.Affine is null)
                throw new InvalidDataException($"{path}: not a tangent bench report (no cases or no affine entry).");
            return report;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a tangent bench report written by --json ({e.Message}).", e);
        }
    }

    /// <summary>The README's cost table: one Markdown row per case, times in ms, ratios with two decimals.</summary>
    public string ToMarkdown()
    {
        static string F(double v, string format) =>
            double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);
        var sb = new StringBuilder()
            .AppendLine("| case | TorchSharp modules ms/step | standard ms/step | standard/modules | " +
                "linear ms/step | linear/standard | peak memory ratio |")
            .AppendLine("|---|---|---|---|---|---|---|");
        foreach (var c in Cases)
        {
            var t = c.Timing;
            sb.Append($"| {t.Case} | {F(t.PeerMs, "F0")} | {F(t.StandardMs, "F0")} | {F(t.PeerRatio, "F2")}× | ")
              .AppendLine($"{F(t.LinearMs, "F0")} | {F(t.Ratio, "F2")}× | {F(c.MemoryRatio, "F2")}× |");
        }
        return sb.ToString().Replace("–×", "–");
    }
}
