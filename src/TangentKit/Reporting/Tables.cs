using System.Globalization;
using System.Net;
using System.Text;
using Deedle;
using TangentKit.IO;

namespace TangentKit.Reporting;

/// <summary>Result tables as Deedle frames, written as CSV and rendered as HTML (report and notebooks).</summary>
public static class Tables
{
    /// <summary>A frame with one row per record and one column per public property.</summary>
    public static Frame<int, string> FromRecords<T>(IEnumerable<T> rows) => Frame.FromRecords(rows);

    /// <summary>Writes <paramref name="frame"/> as CSV (invariant culture), atomically.</summary>
    public static void WriteCsv<R>(Frame<R, string> frame, string path)
    {
        var tmp = $"{path}.{Environment.ProcessId}.tmp";
        frame.SaveCsv(tmp, includeRowKeys: false, keyNames: null, separator: ',',
            culture: CultureInfo.InvariantCulture);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// An HTML table of <paramref name="frame"/> (numbers with 4 significant digits, at most <paramref name="maxRows"/>
    /// rows).
    /// </summary>
    public static string ToHtml<R, C>(Frame<R, C> frame, int maxRows = 60) where R : notnull where C : notnull
    {
        var sb = new StringBuilder("<table class=\"result\"><thead><tr>");
        foreach (var c in frame.ColumnKeys) sb.Append("<th>").Append(WebUtility.HtmlEncode($"{c}")).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var r in frame.RowKeys.Take(maxRows))
        {
            sb.Append("<tr>");
            var row = frame.GetRow<object>(r);
            foreach (var c in frame.ColumnKeys)
            {
                var v = row.TryGet(c);
                sb.Append("<td>").Append(v.HasValue ? WebUtility.HtmlEncode(Format(v.Value))
                    : "<i>–</i>").Append("</td>");
            }
            sb.Append("</tr>");
        }
        if (frame.RowCount > maxRows)
            sb.Append($"<tr><td colspan=\"{frame.ColumnCount}\">… {frame.RowCount - maxRows} more rows</td></tr>");
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>
    /// A plain-text table of <paramref name="frame"/> for consoles and plain-text notebook outputs: cells as in
    /// <see cref="ToHtml"/>, numbers right-aligned, at most <paramref name="maxRows"/> rows.
    /// </summary>
    public static string ToText<R, C>(Frame<R, C> frame, int maxRows = 60) where R : notnull where C : notnull
    {
        var header = frame.ColumnKeys.Select(c => (Text: $"{c}", Right: false)).ToList();
        var rows = frame.RowKeys.Take(maxRows).Select(r =>
        {
            var row = frame.GetRow<object>(r);
            return frame.ColumnKeys.Select(c => row.TryGet(c) is { HasValue: true } v
                ? (Text: Format(v.Value), Right: v.Value is double or float or int or long or decimal)
                : (Text: "–", Right: true)).ToList();
        }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Text.Length).Prepend(h.Text.Length).Max())
            .ToList();
        string Line(IEnumerable<(string Text, bool Right)> cells) => string.Join("  ", cells.Select((c, i) =>
            c.Right ? c.Text.PadLeft(widths[i]) : c.Text.PadRight(widths[i]))).TrimEnd();
        var sb = new StringBuilder().AppendLine(Line(header))
            .AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in rows) sb.AppendLine(Line(r));
        if (frame.RowCount > maxRows) sb.AppendLine($"… {frame.RowCount - maxRows} more rows");
        return sb.ToString();
    }

    /// <summary>
    /// An HTML table of any Deedle frame (for the notebooks' formatter, which sees frames as objects).
    /// </summary>
    public static string FrameToHtml(object frame) =>
        (string)typeof(Tables).GetMethod(nameof(ToHtml))!.MakeGenericMethod(frame.GetType().GetGenericArguments())
            .Invoke(null, [frame, 60])!;

    /// <summary>The plain-text table of any Deedle frame (for the notebooks' plain-text formatter).</summary>
    public static string FrameToText(object frame) =>
        (string)typeof(Tables).GetMethod(nameof(ToText))!.MakeGenericMethod(frame.GetType().GetGenericArguments())
            .Invoke(null, [frame, 60])!;

    static string Format(object value) => value switch
    {
        double d when double.IsNaN(d) => "–",
        double d => d.ToString("G4", CultureInfo.InvariantCulture),
        float f => f.ToString("G4", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
