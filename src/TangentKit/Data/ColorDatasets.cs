using System.Globalization;
using System.Text.Json;
using SkiaSharp;
using TangentKit.Data.Readers;

namespace TangentKit.Data;

/// <summary>
/// Turns the fetched files of the color datasets into <see cref="ColorImages"/> pools: card suits (SVG decks, split by
/// deck family), emoji groups (two drawing styles, split by style) and photo patches (the never-fine-tuned control).
/// Every image is opaque RGB on <see cref="ColorImages.Background"/>.
/// </summary>
public static class ColorDatasets
{
    /// <summary>The card-suits classes in label order (manifest "classes").</summary>
    public static IReadOnlyList<string> CardSuitClasses { get; } = ["clubs", "diamonds", "hearts", "spades"];

    /// <summary>The deck families whose cards form the card-suits test pool (572 cards in 11 decks).</summary>
    public static IReadOnlyList<string> CardTestFamilies { get; } = ["atlasnye", "nicu", "oxygen", "paris"];

    /// <summary>
    /// One card deck: the manifest that holds it (<c>gnome-cards-data</c> or <c>kdegames-card-data-kf5</c>), its cache
    /// file, its family (redrawings of one design share one), and whether its court cards are skipped.
    /// </summary>
    /// <param name="Manifest">The manifest listing the deck's file.</param>
    /// <param name="File">The deck's file name in that manifest's cache folder.</param>
    /// <param name="Family">The deck family: the unit of the train/test split.</param>
    /// <param name="SkipCourt">Whether jacks, queens and kings are left out.</param>
    public sealed record CardDeck(string Manifest, string File, string Family, bool SkipCourt = false)
    {
        /// <summary>The element id of a card: GNOME <c>club_queen</c>, KDE <c>queen_club</c>.</summary>
        public string ElementId(string suit, string rank) => Manifest == Gnome ? $"{suit}_{rank}" : $"{rank}_{suit}";

        /// <summary>Deck name: the file name without <c>.svgz</c>.</summary>
        public string Name => Path.GetFileNameWithoutExtension(File);
    }

    const string Gnome = "gnome-cards-data", Kde = "kdegames-card-data-kf5";

    /// <summary>
    /// The 42 decks used (29 GNOME, 13 KDE) with their families. GNOME <c>dondorf</c>'s court cards are skipped: their
    /// bounds include far-off index glyphs, so they would draw tiny.
    /// </summary>
    public static IReadOnlyList<CardDeck> CardDecks { get; } =
    [
        new(Gnome, "ancient_french.svgz", "ancient_french"), new(Gnome, "anglo.svgz", "anglo"),
        new(Gnome, "anglo_bitmap.svgz", "anglo"), new(Gnome, "gnomangelo.svgz", "anglo"),
        new(Gnome, "gnomangelo_bitmap.svgz", "anglo"), new(Gnome, "anglo_modern.svgz", "anglo_modern"),
        new(Gnome, "anglo_modern_4_color.svgz", "anglo_modern"), new(Gnome, "anglo_poker.svgz", "anglo_poker"),
        new(Gnome, "atlasnye.svgz", "atlasnye"), new(Gnome, "atlasnye_skat.svgz", "atlasnye"),
        new(Gnome, "atlasnye_ru.svgz", "atlasnye"), new(Gnome, "bellot.svgz", "bellot"),
        new(Gnome, "berlin.svgz", "berlin"), new(Gnome, "dondorf.svgz", "dondorf", SkipCourt: true),
        new(Gnome, "guyenne-classic.svgz", "guyenne"), new(Gnome, "lattmann.svgz", "lattmann"),
        new(Gnome, "neoclassical.svgz", "neoclassical"), new(Gnome, "neoclassical_4_color.svgz", "neoclassical"),
        new(Gnome, "orell.svgz", "orell"), new(Gnome, "ornamental.svgz", "nicu"), new(Gnome, "paris.svgz", "paris"),
        new(Gnome, "plastic.svgz", "plastic"), new(Gnome, "rheinland.svgz", "rheinland"),
        new(Gnome, "simplistic.svgz", "simplistic"), new(Gnome, "slavic_costumes.svgz", "slavic_costumes"),
        new(Gnome, "tango.svgz", "tango"), new(Gnome, "tango_nuevo.svgz", "tango"),
        new(Gnome, "tarocco.svgz", "tarocco"), new(Gnome, "tigullio.svgz", "tigullio"),
        new(Kde, "ancient-egyptians.svgz", "ancient_egyptians"), new(Kde, "dondorf.svgz", "dondorf"),
        new(Kde, "gm-paris.svgz", "paris"), new(Kde, "jolly-royal.svgz", "jolly_royal"),
        new(Kde, "konqi-modern.svgz", "konqi"), new(Kde, "nicu-ornamental.svgz", "nicu"),
        new(Kde, "nicu-white.svgz", "nicu"), new(Kde, "oxygen.svgz", "oxygen"),
        new(Kde, "oxygen-air.svgz", "oxygen"), new(Kde, "oxygen-white.svgz", "oxygen"),
        new(Kde, "penguins.svgz", "penguins"), new(Kde, "standard.svgz", "standard"),
        new(Kde, "xskat-french.svgz", "xskat_french"),
    ];

    static readonly string[] SuitIds = ["club", "diamond", "heart", "spade"];
    static readonly string[] Ranks = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "jack", "queen", "king"];

    /// <summary>
    /// card-suits: the 52 cards of every deck in <see cref="CardDecks"/> (GNOME decks from
    /// <paramref name="gnomeFolder"/>, KDE decks from <paramref name="kdeFolder"/>), each card rendered with librsvg
    /// to fit <paramref name="pixels"/>² (cards are taller than wide: padded left and right on the mid-gray
    /// background). Test pool: the families in <see cref="CardTestFamilies"/> (572 cards, 143 per suit); pool: the
    /// other decks (1 600 cards, 400 per suit). Origins read <c>family/manifest/deck#element</c>.
    /// </summary>
    public static (ColorImages Pool, ColorImages Test) CardSuits(string gnomeFolder, string kdeFolder, int pixels)
    {
        var paths = CardDecks.Select(d => Path.Combine(d.Manifest == Gnome ? gnomeFolder : kdeFolder, d.File))
            .ToArray();
        if (paths.FirstOrDefault(p => !File.Exists(p)) is { } missing)
            throw new FileNotFoundException($"{missing}: card deck not found (card-suits needs all {paths.Length} " +
                "decks of the gnome-cards-data and kdegames-card-data-kf5 manifests).", missing);
        var rendered = new (byte[] Rgb, long Label, string Origin, bool Test)[CardDecks.Count][];
        try
        {
            Parallel.For(0, CardDecks.Count, d => rendered[d] = RenderDeck(CardDecks[d], paths[d], pixels));
        }
        catch (AggregateException e)               // the first deck's own error, not the wrapper
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        var pool = new ColorImagesBuilder(pixels);
        var testPool = new ColorImagesBuilder(pixels);
        foreach (var (rgb, label, origin, test) in rendered.SelectMany(r => r))
            (test ? testPool : pool).Add(rgb, label, origin);
        return (pool.Build($"card-suits pool ({gnomeFolder}, {kdeFolder})"),
            testPool.Build($"card-suits test pool ({gnomeFolder}, {kdeFolder})"));
    }

    // one librsvg handle per deck (and thread): the deck's cards, suit by suit
    static (byte[] Rgb, long Label, string Origin, bool Test)[] RenderDeck(CardDeck deck, string path, int pixels)
    {
        using var svg = SvgRenderer.Load(path);
        bool test = CardTestFamilies.Contains(deck.Family);
        var cards = new List<(byte[], long, string, bool)>(52);
        for (int s = 0; s < SuitIds.Length; s++)
            foreach (var rank in Ranks)
            {
                if (deck.SkipCourt && rank is "jack" or "queen" or "king") continue;
                var id = deck.ElementId(SuitIds[s], rank);
                cards.Add((svg.RenderElement(id, pixels, ColorImages.Background), s,
                    $"{deck.Family}/{deck.Manifest}/{deck.Name}#{id}", test));
            }
        return cards.ToArray();
    }

    /// <summary>The emoji-groups classes in label order: the Unicode emoji groups but Flags and Component.</summary>
    public static IReadOnlyList<string> EmojiGroupClasses { get; } =
    [
        "Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink", "Travel & Places", "Activities",
        "Objects", "Symbols",
    ];

    static readonly Dictionary<string, int> GroupIndex =
        EmojiGroupClasses.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i);

    /// <summary>
    /// emoji-groups: every single-code-point emoji (optionally followed by U+FE0F) of the eight groups in
    /// <see cref="EmojiGroupClasses"/> that both styles draw, at most <paramref name="maxPerClass"/> per group (a
    /// seeded choice, the same emoji in both styles). Pool: the Noto Color Emoji style (font in
    /// <paramref name="notoFolder"/>, drawn with SkiaSharp); test pool: the same emoji in the Twemoji style (sprite
    /// sheet and <c>emoji.json</c> in <paramref name="twemojiFolder"/>). Each drawing is cropped to its opaque bounds
    /// and fitted, centered, into <paramref name="pixels"/>² on the mid-gray background. Origins read
    /// <c>noto/1F600</c> or <c>twemoji/1F600</c>.
    /// </summary>
    public static (ColorImages Pool, ColorImages Test) EmojiGroups(string notoFolder, string twemojiFolder, int pixels,
        int maxPerClass, long seed)
    {
        var fontPath = Path.Combine(notoFolder, "NotoColorEmoji.ttf");
        var jsonPath = Path.Combine(twemojiFolder, "emoji.json");
        var sheetPath = Path.Combine(twemojiFolder, "twitter-sheet-clean-64.png");
        foreach (var p in new[] { fontPath, jsonPath, sheetPath })
            if (!File.Exists(p)) throw new FileNotFoundException($"{p}: emoji-groups needs this file.", p);
        var emoji = ReadEmojiJson(jsonPath);

        using var typeface = SKTypeface.FromFile(fontPath)
            ?? throw new InvalidDataException($"{fontPath}: not a font SkiaSharp can read.");
        using var sheet = SKBitmap.Decode(sheetPath)
            ?? throw new InvalidDataException($"{sheetPath}: not a decodable PNG.");
        if (sheet.Width < 62 * 66 || sheet.Height < 62 * 66)
            throw new InvalidDataException(
                $"{sheetPath}: {sheet.Width}×{sheet.Height}, expected a 4092×4092 sheet of 62×62 cells of 66 px.");
        using var sheetRgba = sheet.Copy(SKColorType.Rgba8888)
            ?? throw new InvalidDataException($"{sheetPath}: cannot convert the sheet to RGBA.");

        // (group, code point, Noto drawing, Twemoji drawing), cropped to their opaque bounds
        var drawn = new List<(int Group, int CodePoint, SKBitmap Noto, SKBitmap Twemoji)>();
        try
        {
            foreach (var e in emoji)
            {
                if (typeface.GetGlyph(e.CodePoint) == 0) continue;           // newer than the font
                var twemoji = CropToInk(Cell(sheetRgba, e.SheetX, e.SheetY));
                if (twemoji is null) continue;                               // no Twemoji drawing in the clean sheet
                var noto = CropToInk(DrawGlyph(typeface, e.CodePoint));
                if (noto is null) { twemoji.Dispose(); continue; }
                drawn.Add((e.Group, e.CodePoint, noto, twemoji));
            }
            var kept = new List<int>();
            for (int g = 0; g < EmojiGroupClasses.Count; g++)
            {
                var members = Enumerable.Range(0, drawn.Count).Where(i => drawn[i].Group == g).ToArray();
                var order = SeededPermutation.Draw(members.Length, seed, stream: 41 + g);
                kept.AddRange(order.Take(Math.Min(maxPerClass, members.Length)).Select(o => members[o]).Order());
            }
            var pool = new ColorImagesBuilder(pixels);
            var test = new ColorImagesBuilder(pixels);
            foreach (var i in kept)
            {
                var (group, cp, noto, twemoji) = drawn[i];
                pool.Add(ColorImages.FitOnBackground(noto, pixels), group, $"noto/{cp:X4}");
                test.Add(ColorImages.FitOnBackground(twemoji, pixels), group, $"twemoji/{cp:X4}");
            }
            return (pool.Build($"emoji-groups pool ({fontPath})"), test.Build($"emoji-groups test pool ({sheetPath})"));
        }
        finally
        {
            foreach (var d in drawn) { d.Noto.Dispose(); d.Twemoji.Dispose(); }
        }
    }

    /// <summary>
    /// The entries of <c>emoji.json</c> that emoji-groups can use, in file order: group index, code point and sprite
    /// sheet cell; errors name the file and the entry.
    /// </summary>
    internal static List<(int Group, int CodePoint, int SheetX, int SheetY)> ReadEmojiJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: expected a JSON array of emoji entries.");
        var result = new List<(int, int, int, int)>();
        int index = 0;
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string Text(string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()! : throw new InvalidDataException($"{path}: entry {index} has no string '{key}'.");
            int Number(string key) => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number
                ? v.GetInt32() : throw new InvalidDataException($"{path}: entry {index} has no number '{key}'.");
            var parts = Text("unified").Split('-');
            int group = GroupIndex.GetValueOrDefault(Text("category"), -1);
            bool single = parts.Length == 1 || parts is [_, "FE0F"];
            if (group >= 0 && single)
                result.Add((group, int.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    Number("sheet_x"), Number("sheet_y")));
            index++;
        }
        return result;
    }

    // the 64-px cell (x, y) of the sheet: 62×62 cells of 66 px, the image 1 px inside each
    static SKBitmap Cell(SKBitmap sheet, int x, int y)
    {
        var cell = new SKBitmap(new SKImageInfo(64, 64, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (!sheet.ExtractSubset(cell, SKRectI.Create(x * 66 + 1, y * 66 + 1, 64, 64)))
            throw new InvalidDataException($"Twemoji sheet: cell ({x}, {y}) is outside the sheet.");
        return cell;
    }

    // Noto Color Emoji's bitmaps are 136×128 at 109 ppem: drawn there unscaled, with room on every side
    static SKBitmap DrawGlyph(SKTypeface typeface, int codePoint)
    {
        var bitmap = new SKBitmap(new SKImageInfo(176, 176, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.Transparent);
        using var paint = new SKPaint { Typeface = typeface, TextSize = 109, IsAntialias = true };
        canvas.DrawText(char.ConvertFromUtf32(codePoint), 20, 140, paint);
        canvas.Flush();
        return bitmap;
    }

    // the bounding box of the pixels with alpha > 0 as a new bitmap (null when all transparent); disposes the input
    static SKBitmap? CropToInk(SKBitmap bitmap)
    {
        using (bitmap)
        {
            int w = bitmap.Width, h = bitmap.Height, left = w, top = h, right = -1, bottom = -1;
            var bytes = bitmap.Bytes;                                      // RGBA, rows of w pixels
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (bytes[(y * w + x) * 4 + 3] != 0)
                    {
                        left = Math.Min(left, x); right = Math.Max(right, x);
                        top = Math.Min(top, y); bottom = Math.Max(bottom, y);
                    }
            if (right < 0) return null;
            var crop = new SKBitmap(new SKImageInfo(right - left + 1, bottom - top + 1, SKColorType.Rgba8888,
                SKAlphaType.Premul));
            using var canvas = new SKCanvas(crop);
            canvas.Clear(SKColors.Transparent);
            canvas.DrawBitmap(bitmap, -left, -top);
            return crop;
        }
    }

    /// <summary>The photographs of <c>photo-patches</c> (manifest "classes"), one class each, as file names.</summary>
    public static IReadOnlyList<string> Photos { get; } =
    [
        "astronaut.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "hubble_deep_field.jpg", "ihc.png",
        "retina.jpg", "rocket.jpg",
    ];

    /// <summary>
    /// photo-patches: each photo of <paramref name="photos"/> (files in <paramref name="folder"/>, one class each,
    /// gray ones replicated to RGB) scaled so its shorter side is <paramref name="shortSide"/> px, then cut into
    /// square <paramref name="patch"/>-px patches at seeded positions: <paramref name="poolPerClass"/> from the top
    /// half of each photo form the pool, <paramref name="testPerClass"/> from the bottom half the test pool.
    /// Origins read <c>astronaut.png@(row,column)</c> in the scaled photo.
    /// </summary>
    public static (ColorImages Pool, ColorImages Test) PhotoPatches(string folder, IReadOnlyList<string> photos,
        int poolPerClass, int testPerClass, int patch, int shortSide, long seed)
    {
        if (photos.Count == 0) throw new ArgumentException("no photographs to cut patches from.", nameof(photos));
        var pool = new ColorImagesBuilder(patch);
        var test = new ColorImagesBuilder(patch);
        var rng = new SplitMix64(seed, stream: 31);
        for (int c = 0; c < photos.Count; c++)
        {
            var path = Path.Combine(folder, photos[c]);
            var photo = ScaledPhoto(path, shortSide);
            int half = photo.Height / 2;
            if (half < patch || photo.Width < patch)
                throw new ArgumentException($"{path}: a {photo.Width}×{photo.Height} photo (scaled) has no room " +
                    $"for {patch}-px patches in each half; raise shortSide ({shortSide}) or lower patch.");
            foreach (var (builder, count, rowFrom) in new[] { (pool, poolPerClass, 0), (test, testPerClass, half) })
                for (int i = 0; i < count; i++)
                {
                    int top = rowFrom + rng.NextInt(half - patch + 1), left = rng.NextInt(photo.Width - patch + 1);
                    builder.Add(Patch(photo, top, left, patch), c, $"{photos[c]}@({top},{left})");
                }
        }
        return (pool.Build($"photo-patches pool ({folder})"), test.Build($"photo-patches test pool ({folder})"));
    }

    // the photo as opaque RGBA bytes, resized (high quality) so that its shorter side is `shortSide`
    static (byte[] Rgba, int Width, int Height) ScaledPhoto(string path, int shortSide)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: photograph not found.", path);
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a decodable image.");
        double scale = (double)shortSide / Math.Min(decoded.Width, decoded.Height);
        int w = (int)Math.Round(decoded.Width * scale), h = (int)Math.Round(decoded.Height * scale);
        using var rgba = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888,
            SKAlphaType.Premul));
        using (var canvas = new SKCanvas(rgba))
        {
            canvas.Clear(ColorImages.Background);                  // gray photos replicate; any alpha is composited
            canvas.DrawBitmap(decoded, 0, 0);
        }
        using var scaled = rgba.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul),
            SKFilterQuality.High) ?? throw new InvalidDataException($"{path}: cannot resize to {w}×{h}.");
        return (scaled.Bytes, w, h);
    }

    static byte[] Patch((byte[] Rgba, int Width, int Height) photo, int top, int left, int size)
    {
        var rgba = photo.Rgba;
        int plane = size * size;
        var rgb = new byte[3 * plane];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int from = ((top + y) * photo.Width + left + x) * 4, to = y * size + x;
                rgb[to] = rgba[from];
                rgb[plane + to] = rgba[from + 1];
                rgb[2 * plane + to] = rgba[from + 2];
            }
        return rgb;
    }
}
