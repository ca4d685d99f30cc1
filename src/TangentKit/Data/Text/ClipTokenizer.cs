using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer, the one open_clip's <c>tokenize</c> applies to the zero-shot prompts of the paper
/// preset (research/paper.md §3.4). Text is cleaned (see <see cref="Clean"/>), split by CLIP's pre-tokenization rule,
/// each piece's UTF-8 bytes are mapped to printable characters, merged by rank, and looked up in the vocabulary.
/// </summary>
/// <example>
/// <code>
/// var tokenizer = ClipTokenizer.Load("bpe_simple_vocab_16e6.txt.gz");
/// using var ids = tokenizer.Encode(["a photo of a dog."]);   // [1, 77] int64: 49406, 320, 1125, …, 49407, 0, …
/// </code>
/// </example>
public sealed class ClipTokenizer
{
    /// <summary>The text start token.</summary>
    public const string StartOfText = "<start_of_text>";

    /// <summary>The text end token; the text tower pools its features there (it has the largest id).</summary>
    public const string EndOfText = "<end_of_text>";

    /// <summary>The context length of every CLIP text tower of the paper.</summary>
    public const int DefaultContextLength = 77;

    /// <summary>Merges CLIP reads from its file: 49152 − 256 − 2 (a vocabulary of 49408 entries).</summary>
    public const int MaxMerges = 49152 - 256 - 2;

    const string EndOfWord = "</w>";

    // CLIP's reversible byte → character table: the 188 printable Latin-1 bytes stand for themselves, the other 68
    // (controls, space, soft hyphen, …) are moved, in byte order, to U+0100 onwards, so no piece contains whitespace.
    static readonly string[] ByteChars = BuildByteChars(out ByteOrder);
    static readonly byte[] ByteOrder;   // the bytes in vocabulary order (printable first)

    readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    readonly Dictionary<(string, string), int> _ranks = [];
    readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    ClipTokenizer(IReadOnlyList<(string First, string Second)> merges)
    {
        foreach (var b in ByteOrder) _ids.Add(ByteChars[b], _ids.Count);
        foreach (var b in ByteOrder) _ids.Add(ByteChars[b] + EndOfWord, _ids.Count);
        for (int r = 0; r < merges.Count; r++)
        {
            _ids.Add(merges[r].First + merges[r].Second, _ids.Count);
            _ranks.Add(merges[r], r);
        }
        StartId = _ids.Count;
        _ids.Add(StartOfText, StartId);
        EndId = _ids.Count;
        _ids.Add(EndOfText, EndId);
    }

    /// <summary>Vocabulary size: 512 byte symbols, one per merge, and the two special tokens.</summary>
    public int VocabSize => _ids.Count;

    /// <summary>Number of merges read from the file.</summary>
    public int Merges => _ranks.Count;

    /// <summary>Id of <see cref="StartOfText"/>.</summary>
    public int StartId { get; }

    /// <summary>Id of <see cref="EndOfText"/> (the largest id).</summary>
    public int EndId { get; }

    /// <summary>
    /// Reads a merges file in CLIP's format (<c>bpe_simple_vocab_16e6.txt.gz</c>: gzip'd UTF-8 text, a version
    /// header line, then one merge "first second" per line, of which the first <see cref="MaxMerges"/> are used).
    /// Errors name the file and the offending line.
    /// </summary>
    public static ClipTokenizer Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"CLIP vocabulary file not found: {path} (expected the gzip'd merges " +
                "file bpe_simple_vocab_16e6.txt.gz; `tangent fetch clip-bpe-vocab` downloads it).", path);
        string text;
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, new UTF8Encoding(false, throwOnInvalidBytes: true));
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{path}: not a CLIP vocabulary file: expected gzip'd UTF-8 text " +
                $"({e.GetType().Name}: {e.Message}).", e);
        }
        var lines = text.Split('\n');
        if (lines.Length < 2 || lines[0].Length == 0)
            throw new InvalidDataException($"{path}: not a CLIP vocabulary file: expected a version header line " +
                "followed by merges, one \"first second\" pair per line.");
        int count = Math.Min(lines.Length - 1, MaxMerges);
        if (count == lines.Length - 1 && lines[^1].Length == 0) count--;   // the newline that ends the file
        var merges = new List<(string, string)>(count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 1; i <= count; i++)
        {
            var parts = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new InvalidDataException($"{path}, line {i + 1}: expected a merge \"first second\" " +
                    $"(two symbols separated by a space); got \"{Clip(lines[i])}\".");
            if (!seen.TryAdd(parts[0] + parts[1], i + 1))
                throw new InvalidDataException($"{path}, line {i + 1}: the merge \"{lines[i]}\" makes " +
                    $"\"{parts[0] + parts[1]}\" again (line {seen[parts[0] + parts[1]]} made it already).");
            merges.Add((parts[0], parts[1]));
        }
        try { return new ClipTokenizer(merges); }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: a merge repeats a byte symbol or a special token ({e.Message}).",
                e);
        }

        static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
    }

    /// <summary>
    /// Token ids [N, <paramref name="contextLength"/>] (int64, CPU): the start token, the text's ids, the end token,
    /// then zeros. A longer text is cut to the context length with the end token as its last id (open_clip's
    /// <c>tokenize</c>).
    /// </summary>
    public Tensor Encode(IReadOnlyList<string> texts, int contextLength = DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (contextLength < 2)
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength,
                "the context length must hold at least the start and end tokens (≥ 2).");
        var ids = new long[texts.Count * contextLength];
        for (int i = 0; i < texts.Count; i++)
        {
            var row = Sequence(texts[i] ?? throw new ArgumentException($"text {i} is null.", nameof(texts)));
            int n = Math.Min(row.Count, contextLength);
            for (int j = 0; j < n; j++) ids[i * contextLength + j] = row[j];
            if (row.Count > contextLength) ids[i * contextLength + n - 1] = EndId;     // cut: keep the end token
        }
        return tensor(ids, [texts.Count, contextLength], ScalarType.Int64, device: CPU);
    }

    /// <summary>The full ids of one text: start token, <see cref="Ids"/>, end token (no cut, no padding).</summary>
    public IReadOnlyList<int> Sequence(string text)
    {
        var ids = new List<int> { StartId };
        ids.AddRange(Ids(text));
        ids.Add(EndId);
        return ids;
    }

    /// <summary>The ids of a text's BPE tokens, without start and end tokens.</summary>
    public IReadOnlyList<int> Ids(string text)
    {
        var ids = new List<int>();
        foreach (var piece in PreTokenize(Clean(text)))
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            var mapped = string.Concat(bytes.Select(b => ByteChars[b]));
            ids.AddRange(_cache.GetOrAdd(mapped, Bpe));
        }
        return ids;
    }

    /// <summary>
    /// CLIP's text clean-up. First the parts of ftfy's <c>fix_text</c> (ftfy 6.1, as open_clip 2.10.1 calls it) that
    /// change well-formed text: control characters removed (ftfy's list), Latin ligatures split, half- and full-width
    /// forms to standard width, curly quotes uncurled, Unicode NFC; ftfy's repairs of mis-decoded text (mojibake, C1
    /// controls read as Windows-1252, terminal escapes) are not done. Then HTML entities are decoded twice (.NET's
    /// decoder: the HTML 4 named entities and numeric references, where Python's <c>html.unescape</c> knows HTML 5's
    /// set), whitespace runs collapsed to one space, the ends trimmed, and the text lower-cased (invariant culture,
    /// simple case mapping: Python's <c>str.lower</c> differs for the few letters whose lower case is two characters,
    /// such as U+0130).
    /// </summary>
    public static string Clean(string text)
    {
        var s = WebUtility.HtmlDecode(WebUtility.HtmlDecode(FixText(text)));
        var collapsed = new StringBuilder(s.Length);
        bool space = false;
        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c)) { space = true; continue; }
            if (space && collapsed.Length > 0) collapsed.Append(' ');
            space = false;
            collapsed.Append(c);
        }
        return collapsed.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// CLIP's pre-tokenization, the regular expression
    /// <c>&lt;start_of_text&gt;|&lt;end_of_text&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
    /// (case-insensitive), scanned per Unicode scalar so that letters outside the Basic Multilingual Plane count as
    /// letters (a UTF-16 regex would see two surrogates); whitespace separates pieces and is dropped.
    /// </summary>
    public static IEnumerable<string> PreTokenize(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            var kind = Kind(rune);
            if (kind == ' ') { i += rune.Utf16SequenceLength; continue; }
            string? fixedPiece = Prefixes.FirstOrDefault(p => i + p.Length <= text.Length &&
                string.Compare(text, i, p, 0, p.Length, StringComparison.OrdinalIgnoreCase) == 0);
            if (fixedPiece is not null)
            {
                yield return text.Substring(i, fixedPiece.Length);
                i += fixedPiece.Length;
                continue;
            }
            int start = i;
            i += rune.Utf16SequenceLength;
            if (kind != 'N')          // a number is one scalar; letters and other symbols run on
                while (i < text.Length && Kind(Rune.GetRuneAt(text, i)) is var k && k == kind)
                    i += Rune.GetRuneAt(text, i).Utf16SequenceLength;
            yield return text[start..i];
        }
    }

    // The fixed alternatives of the pattern, in its order (none is a prefix of a later one).
    static readonly string[] Prefixes = [StartOfText, EndOfText, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    // ' ' whitespace, 'L' letter, 'N' number, 'P' anything else (punctuation, symbols, marks, controls).
    static char Kind(Rune r) => Rune.IsWhiteSpace(r) ? ' '
        : Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => 'L',
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => 'N',
            _ => 'P',
        };

    // One piece (already byte-mapped) → ids: split into symbols with "</w>" on the last, then repeatedly merge the
    // adjacent pair of lowest rank, every non-overlapping occurrence left to right, until no pair has a rank.
    int[] Bpe(string piece)
    {
        if (_ids.TryGetValue(piece, out int special) && (special == StartId || special == EndId)) return [special];
        var word = new List<string>(piece.Length);
        for (int i = 0; i < piece.Length; i++) word.Add(piece[i].ToString());   // byte chars are single UTF-16 units
        word[^1] += EndOfWord;
        while (word.Count > 1)
        {
            (string, string)? best = null;
            int bestRank = int.MaxValue;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int r) && r < bestRank)
                    (best, bestRank) = ((word[i], word[i + 1]), r);
            if (best is not var (first, second)) break;
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == first && word[i + 1] == second)
                {
                    merged.Add(first + second);
                    i++;
                }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        return word.Select(s => _ids[s]).ToArray();
    }

    static string[] BuildByteChars(out byte[] order)
    {
        var chars = new string[256];
        var ordered = new List<byte>(256);
        bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        for (int b = 0; b < 256; b++)
            if (Printable(b)) { chars[b] = ((char)b).ToString(); ordered.Add((byte)b); }
        int shifted = 0;
        for (int b = 0; b < 256; b++)
            if (!Printable(b)) { chars[b] = ((char)(256 + shifted++)).ToString(); ordered.Add((byte)b); }
        order = ordered.ToArray();
        return chars;
    }

    // ftfy's fixes of well-formed text, in its order: ligatures, character width, quotes, control characters, NFC.
    static string FixText(string text)
    {
        var b = new StringBuilder(text.Length);
        foreach (var r in text.EnumerateRunes())
        {
            int v = r.Value;
            if (IsFtfyControl(v)) continue;
            b.Append(v switch
            {
                0x0132 => "IJ", 0x0133 => "ij", 0xFB00 => "ff", 0xFB01 => "fi", 0xFB02 => "fl", 0xFB03 => "ffi",
                0xFB04 => "ffl", 0xFB05 => "\u017Ft", 0xFB06 => "st",
                0x3000 => " ",
                >= 0xFF01 and <= 0xFFEF => r.ToString().Normalize(NormalizationForm.FormKC),
                0x02BC or (>= 0x2018 and <= 0x201B) => "'",
                >= 0x201C and <= 0x201F => "\"",
                _ => r.ToString(),
            });
        }
        return b.ToString().Normalize(NormalizationForm.FormC);
    }

    // ftfy's CONTROL_CHARS: C0 controls but tab, line feed, form feed and carriage return; DEL; deprecated format
    // characters; the byte-order mark; interlinear annotations; musical format controls; the tag characters.
    static bool IsFtfyControl(int v) => v is (>= 0x00 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or 0x7F
        or (>= 0x206A and <= 0x206F) or 0xFEFF or (>= 0xFFF9 and <= 0xFFFC) or (>= 0x1D173 and <= 0x1D17A)
        or (>= 0xE0000 and <= 0xE007F);
}
