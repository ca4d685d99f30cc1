using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// The editor requests of the protocol, answered by .NET Interactive's C# language services (completion, hover text)
/// and Roslyn's script parser (is the submission complete?).
/// </summary>
static partial class LanguageServices
{
    /// <summary>
    /// <c>is_complete_reply</c>: "complete" or "incomplete" (with an indent) by Roslyn's script rules; the kernel's
    /// own directive lines (<c>#!import</c>, <c>#i</c>) are left out first.
    /// </summary>
    public static JsonObject IsComplete(string code)
    {
        var csharp = string.Join('\n', code.Split('\n').Where(line =>
            !line.TrimStart().StartsWith("#!") && !line.TrimStart().StartsWith("#i ")));
        var tree = SyntaxFactory.ParseSyntaxTree(csharp, new CSharpParseOptions(kind: Microsoft.CodeAnalysis
            .SourceCodeKind.Script));
        return SyntaxFactory.IsCompleteSubmission(tree)
            ? new JsonObject { ["status"] = "complete" }
            : new JsonObject { ["status"] = "incomplete", ["indent"] = "    " };
    }

    /// <summary><c>complete_reply</c>: the kernel's completions at the cursor (a code-point offset).</summary>
    public static async Task<JsonObject> CompleteAsync(Kernel kernel, string code, int cursor)
    {
        int at = Utf16Offset(code, cursor);
        int start = at;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_')) start--;
        var typed = code[start..at];
        var result = await kernel.SendAsync(new RequestCompletions(code, Position(code, at)));
        // The C# service lists every member in scope, as snippets ("WriteLine($1)"): keep those matching what is
        // typed, as plain names.
        var matches = result.Events.OfType<CompletionsProduced>().SelectMany(c => c.Completions)
            .Select(c => Placeholder().Replace(c.InsertText ?? c.DisplayText ?? "", ""))
            .Where(t => t.Length > 0 && t.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Distinct()
            .Order(StringComparer.Ordinal).ToList();
        return new JsonObject
        {
            ["status"] = "ok",
            ["matches"] = new JsonArray(matches.Select(m => (JsonNode)m!).ToArray()),
            ["cursor_start"] = CodePointOffset(code, start),
            ["cursor_end"] = cursor,
            ["metadata"] = new JsonObject(),
        };
    }

    /// <summary><c>inspect_reply</c>: the hover text (signature and documentation) of the symbol at the cursor.
    /// </summary>
    public static async Task<JsonObject> InspectAsync(Kernel kernel, string code, int cursor)
    {
        var result = await kernel.SendAsync(new RequestHoverText(code, Position(code, Utf16Offset(code, cursor))));
        var data = new JsonObject();
        foreach (var value in result.Events.OfType<HoverTextProduced>().SelectMany(h => h.Content))
            data[value.MimeType] = value.Value;
        return new JsonObject
        {
            ["status"] = "ok",
            ["found"] = data.Count > 0,
            ["data"] = data,
            ["metadata"] = new JsonObject(),
        };
    }

    // The protocol counts cursor positions in Unicode code points; .NET strings in UTF-16 units.
    static int Utf16Offset(string code, int codePoints)
    {
        int i = 0;
        for (int n = 0; n < codePoints && i < code.Length; n++) i += char.IsSurrogatePair(code, i) ? 2 : 1;
        return i;
    }

    static int CodePointOffset(string code, int utf16)
    {
        int count = 0;
        for (int i = 0; i < utf16; i += char.IsSurrogatePair(code, i) ? 2 : 1) count++;
        return count;
    }

    [GeneratedRegex(@"\(\$\d+\)|\$\{?\d+(:[^}]*)?\}?")]
    private static partial Regex Placeholder();

    static LinePosition Position(string code, int offset)
    {
        int line = 0, lineStart = 0;
        for (int i = 0; i < offset; i++)
            if (code[i] == '\n') { line++; lineStart = i + 1; }
        return new LinePosition(line, offset - lineStart);
    }
}
