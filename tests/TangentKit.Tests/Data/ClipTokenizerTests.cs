using System.Text;
using TangentKit.Data.Text;

namespace TangentKit.Tests.Data;

/// CLIP's BPE tokenizer on a fixture vocabulary of five merges. Every expected id is derived by hand below from CLIP's
/// vocabulary layout, never from the tokenizer's own output:
///
/// byte symbols, in vocabulary order: the printable bytes 33–126 (ids 0–93), 161–172 (94–105), 174–255 (106–187),
/// then the other 68 bytes in byte order, 0–32 (188–220), 127–160 (221–254), 173 (255); the same 256 with "&lt;/w&gt;"
/// are ids 256–511. So an ASCII printable byte b is id b − 33, and b − 33 + 256 at the end of a word:
///   ! 0 (end 256) · &amp; 5 (end 261) · ' 6 · 2 17 (end 273) · 4 19 (end 275) · 5 20 (end 276) · a 64 (end 320) ·
///   b 65 (end 321) · c 66 · e 68 (end 324) · h 71 · i 72 · k 74 (end 330) · l 75 (end 331) · o 78 (end 334) ·
///   s 82 (end 338) · t 83 (end 339) · u 84 (end 340) · x 87 · y 88 · z 89 (end 345).
/// The merges "h e", "l l", "he ll", "l o&lt;/w&gt;", "hell o&lt;/w&gt;" (ranks 0–4) are ids 512–516; then
/// &lt;start_of_text&gt; 517 and &lt;end_of_text&gt; 518; 519 ids in all.
public sealed class ClipTokenizerTests : IDisposable
{
    const int Sot = 517, Eot = 518;

    readonly string _folder = Path.Combine(Path.GetTempPath(), $"tk-bpe-{Guid.NewGuid():N}");
    readonly ClipTokenizer _tokenizer;

    public ClipTokenizerTests()
    {
        Directory.CreateDirectory(_folder);
        _tokenizer = ClipTokenizer.Load(WriteFixtureVocabulary(Path.Combine(_folder, "fixture.txt.gz")));
    }

    /// Writes the fixture vocabulary (five merges, 519 ids; see the class comment) as a gzip'd merges file.
    internal static string WriteFixtureVocabulary(string path)
    {
        const string merges = "\"bpe_fixture.txt#version: 0.2\nh e\nl l\nhe ll\nl o</w>\nhell o</w>\n";
        return GzipFixture.Write(path, Encoding.UTF8.GetBytes(merges));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    string Fixture(string name, string text) => Fixture(name, Encoding.UTF8.GetBytes(text));

    string Fixture(string name, byte[] content) => GzipFixture.Write(Path.Combine(_folder, name), content);

    int[] Ids(string text) => _tokenizer.Ids(text).ToArray();

    [Fact]
    public void The_vocabulary_has_the_byte_symbols_the_merges_and_the_two_special_tokens()
    {
        Assert.Equal(5, _tokenizer.Merges);
        Assert.Equal(519, _tokenizer.VocabSize);
        Assert.Equal(Sot, _tokenizer.StartId);
        Assert.Equal(Eot, _tokenizer.EndId);
    }

    [Fact]
    public void Text_without_merges_falls_back_to_byte_symbols_with_the_end_of_word_mark_on_the_last()
    {
        Assert.Equal([87, 88, 345], Ids("xyz"));          // x y z</w>: no merge applies
        Assert.Equal([320], Ids("a"));                    // a one-byte word is a</w>
    }

    [Fact]
    public void Merges_apply_by_rank_not_by_position()
    {
        // h e l l o</w>: (h,e) rank 0 → he l l o</w>; (l,l) rank 1 beats (l,o</w>) rank 3 → he ll o</w>;
        // (he,ll) rank 2 → hell o</w>; (hell,o</w>) rank 4 → hello</w> = 516.
        Assert.Equal([516], Ids("hello"));
        // l l o</w>: (l,l) rank 1 before (l,o</w>) rank 3 → ll o</w>, and (ll,o</w>) is no merge → 513 334.
        Assert.Equal([513, 334], Ids("llo"));
        Assert.Equal([515], Ids("lo"));                   // alone, (l,o</w>) applies: lo</w> = 515
        Assert.Equal([513, 331], Ids("lll"));             // l l l</w>: the leftmost (l,l) merges, l</w> stays
    }

    [Fact]
    public void A_merge_without_the_end_of_word_mark_does_not_apply_at_the_end_of_a_word()
    {
        Assert.Equal([71, 324], Ids("he"));               // h e</w>: "h e" is not (h, e</w>)
        Assert.Equal([512, 75, 331], Ids("hell"));        // h e l l</w> → he l l</w>: "l l" is not (l, l</w>)
    }

    [Fact]
    public void Encode_adds_the_start_and_end_tokens_and_pads_with_zeros()
    {
        using var ids = _tokenizer.Encode(["hello", "xyz"], contextLength: 8);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal([2L, 8L], ids.shape);
        Assert.Equal([Sot, 516, Eot, 0, 0, 0, 0, 0, Sot, 87, 88, 345, Eot, 0, 0, 0], ids.data<long>().ToArray());
        using var full = _tokenizer.Encode(["a"]);
        Assert.Equal([1L, 77L], full.shape);
        Assert.Equal([Sot, 320, Eot, .. new long[74]], full.data<long>().ToArray());
    }

    [Fact]
    public void A_text_longer_than_the_context_is_cut_with_the_end_token_kept_last()
    {
        // "hello llo xyz" → 517 | 516 | 513 334 | 87 88 345 | 518: eight ids.
        using var cut = _tokenizer.Encode(["hello llo xyz"], contextLength: 5);
        Assert.Equal([Sot, 516, 513, 334, Eot], cut.data<long>().ToArray());
        using var exact = _tokenizer.Encode(["hello llo xyz"], contextLength: 8);
        Assert.Equal([Sot, 516, 513, 334, 87, 88, 345, Eot], exact.data<long>().ToArray());
        using var shortest = _tokenizer.Encode(["hello llo xyz"], contextLength: 2);
        Assert.Equal([Sot, Eot], shortest.data<long>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Encode(["a"], contextLength: 1));
    }

    [Fact]
    public void Special_tokens_in_the_text_map_to_their_ids_in_any_case()
    {
        Assert.Equal([320, Eot], Ids("a <end_of_text>"));
        Assert.Equal([Sot], Ids("<START_OF_TEXT>"));
        using var ids = _tokenizer.Encode(["<end_of_text>"], contextLength: 4);
        Assert.Equal([Sot, Eot, Eot, 0], ids.data<long>().ToArray());
    }

    [Fact]
    public void Text_is_lower_cased_and_its_whitespace_collapsed_and_trimmed()
    {
        Assert.Equal("hello llo", ClipTokenizer.Clean("  HeLLo \n\t  LLO  "));
        Assert.Equal([516, 513, 334], Ids("  HeLLo \n\t  LLO  "));
        Assert.Equal(Ids("hello llo"), Ids("HELLO\u00a0\u2003 llo\n"));      // no-break space, em space
    }

    [Fact]
    public void Contractions_single_digits_and_punctuation_runs_are_separate_pieces()
    {
        Assert.Equal(["he", "'s", "4", "2", "ok", "!!"], ClipTokenizer.PreTokenize("he's 42 ok!!"));
        // he → h e</w> | 's → ' s</w> | 4</w> | 2</w> | ok → o k</w> | !! → ! !</w>
        Assert.Equal([71, 324, 6, 338, 275, 273, 78, 330, 0, 256], Ids("he's 42 ok!!"));
        Assert.Equal(["''", "s", "!'", "s"], ClipTokenizer.PreTokenize("''s !'s"));   // a run is not split
        Assert.Equal(["a", "_", "b", "-", "c"], ClipTokenizer.PreTokenize("a_b-c"));
    }

    [Fact]
    public void Non_ascii_text_goes_through_its_utf8_bytes_and_the_byte_to_unicode_map()
    {
        // é = C3 A9: 0xC3 = 195 → 106 + (195 − 174) = 127; 0xA9 = 169 → 94 + (169 − 161) = 102, at the end 358.
        Assert.Equal([127, 358], Ids("é"));
        Assert.Equal([127, 358], Ids("É"));                                   // lower-cased first
        Assert.Equal([127, 102, 66, 340], Ids("écu"));                        // é c u</w>
        // ß = C3 9F: 0x9F = 159 is the 33rd moved byte after 0–32 (221 + 32 = 253), at the end 509.
        Assert.Equal([127, 509], Ids("ß"));
        // € = E2 82 AC: 226 → 106 + 52 = 158; 130 → 221 + 3 = 224; 172 → 94 + 11 = 105, at the end 361; then 5</w>.
        Assert.Equal([158, 224, 361, 276], Ids("€5"));
        // The soft hyphen is C2 AD: 0xC2 = 194 → 106 + 20 = 126; 173 is the last moved byte, 255, at the end 511.
        Assert.Equal([126, 511], Ids("\u00ad"));
        // 𝐀 (U+1D400, a letter outside the BMP) is one letter piece with the following letters, not punctuation.
        Assert.Equal(["𝐀bc", "!"], ClipTokenizer.PreTokenize("𝐀bc!"));
    }

    [Fact]
    public void Html_entities_and_curly_quotes_are_undone_before_splitting()
    {
        Assert.Equal([320, 261, 321], Ids("a&amp;b"));                        // a</w> &</w> b</w>
        Assert.Equal([320, 261, 321], Ids("a&amp;amp;b"));                    // decoded twice, as CLIP does
        Assert.Equal([72, 339, 6, 338], Ids("it\u2019s"));                    // it’s → it 's → i t</w> ' s</w>
    }

    [Fact]
    public void Control_characters_ligatures_and_full_width_forms_are_fixed_as_ftfy_does()
    {
        Assert.Equal([64, 321], Ids("a\u0007b"));                              // BEL removed: ab → a b</w>
        Assert.Equal([64, 321], Ids("\ufeffa\u0000b"));                      // BOM and NUL removed
        Assert.Equal([69, 328], Ids("\ufb01"));                               // ﬁ → fi → f i</w> (f = 69)
        Assert.Equal([64, 321], Ids("\uff21\uff22"));                        // ＡＢ → AB → ab
        Assert.Equal("hello llo", ClipTokenizer.Clean("HELLO\u3000llo"));     // ideographic space → space
    }

    [Fact]
    public void Only_the_first_48894_merges_are_read()
    {
        // 48 894 distinct merges "a b" / "a b</w>" of printable ASCII, then a line that is not a merge: CLIP stops
        // before it, and its vocabulary is 512 + 48 894 + 2 = 49 408 ids.
        var lines = new StringBuilder("#version: 0.2\n");
        int written = 0;
        for (int end = 0; end < 2 && written < ClipTokenizer.MaxMerges; end++)
            for (char a = '!'; a <= '~' && written < ClipTokenizer.MaxMerges; a++)
                for (char b = '!'; b <= '~' && written < ClipTokenizer.MaxMerges; b++, written++)
                    lines.Append(a).Append(' ').Append(b).Append(end == 1 ? "</w>" : "").Append('\n');
        // 2 · 94² = 17 672 < 48 894: the rest pairs two-byte symbols of the Latin-1 range.
        for (char a = '¡'; written < ClipTokenizer.MaxMerges; a++)
            for (char b = '¡'; b <= 'ÿ' && written < ClipTokenizer.MaxMerges; b++, written++)
                lines.Append(a).Append(b).Append(' ').Append(b).Append('\n');
        lines.Append("not a merge line\n");
        var tokenizer = ClipTokenizer.Load(Fixture("long.txt.gz", lines.ToString()));
        Assert.Equal(48894, tokenizer.Merges);
        Assert.Equal(49408, tokenizer.VocabSize);
        Assert.Equal(49406, tokenizer.StartId);
        Assert.Equal(49407, tokenizer.EndId);
    }

    [Fact]
    public void A_missing_or_malformed_vocabulary_file_is_named_in_the_error()
    {
        var missing = Path.Combine(_folder, "absent.txt.gz");
        var e1 = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.Load(missing));
        Assert.Contains(missing, e1.Message);

        var plain = Path.Combine(_folder, "plain.txt");
        File.WriteAllText(plain, "#version: 0.2\nh e\n");
        var e2 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(plain));
        Assert.Contains(plain, e2.Message);
        Assert.Contains("gzip", e2.Message);

        var bad = Fixture("bad.txt.gz", "#version: 0.2\nh e\nh e l\n");
        var e3 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(bad));
        Assert.Contains(bad, e3.Message);
        Assert.Contains("line 3", e3.Message);

        var repeated = Fixture("repeated.txt.gz", "#version: 0.2\nh e\nh e\n");
        var e4 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(repeated));
        Assert.Contains("line 3", e4.Message);

        var empty = Fixture("empty.txt.gz", "");
        var e5 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(empty));
        Assert.Contains(empty, e5.Message);

        var notUtf8 = Fixture("latin1.txt.gz", [(byte)'#', (byte)'\n', 0xE9, (byte)' ', (byte)'a', (byte)'\n']);
        var e6 = Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(notUtf8));
        Assert.Contains(notUtf8, e6.Message);
    }
}
