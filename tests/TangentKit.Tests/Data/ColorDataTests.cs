using System.Text;
using SkiaSharp;
using TangentKit.Data;
using TangentKit.Data.Fetching;
using TangentKit.Data.Readers;

namespace TangentKit.Tests.Data;

/// Color pools: the backbone's BGR convention in closed form, the librsvg renderer against hand-written SVG, and the
/// split rules of card-suits, emoji-groups and photo-patches on the fetched data.
public sealed class ColorDataTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-color-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly float[] Means = [10, 20, 30];   // B, G, R

    [Fact]
    public void Backbone_input_is_bgr_minus_the_means_in_bgr_order()
    {
        // one 2×2 image, planar R, G, B: pixel p has R = 100 + p, G = 150 + p, B = 200 + p
        byte[] pixels = [100, 101, 102, 103, 150, 151, 152, 153, 200, 201, 202, 203];
        var images = new ColorImages(pixels, 2, 2, [0], ["toy"]).Validate("toy");
        using var x = images.ToBackboneInput([0], 2, Means);
        Assert.Equal(new long[] { 1, 3, 2, 2 }, x.shape);
        for (int p = 0; p < 4; p++)
        {
            int row = p / 2, col = p % 2;
            Assert.Equal(200 + p - 10, x[0, 0, row, col].ToSingle());   // B
            Assert.Equal(150 + p - 20, x[0, 1, row, col].ToSingle());   // G
            Assert.Equal(100 + p - 30, x[0, 2, row, col].ToSingle());   // R
        }
    }

    [Fact]
    public void Resizing_a_constant_image_keeps_it_constant_per_channel()
    {
        var pixels = Enumerable.Repeat((byte)40, 9).Concat(Enumerable.Repeat((byte)90, 9))
            .Concat(Enumerable.Repeat((byte)250, 9)).ToArray();
        var images = new ColorImages([.. pixels, .. pixels], 3, 3, [0, 1], ["a", "b"]);
        using var x = images.ToBackboneInput([1], 7, Means);
        Assert.Equal(new long[] { 1, 3, 7, 7 }, x.shape);
        // bilinear weights sum to 1 up to float rounding
        Assert.True((x[0, 0] - (250 - 10)).abs().max().ToSingle() < 1e-4f);
        Assert.True((x[0, 1] - (90 - 20)).abs().max().ToSingle() < 1e-4f);
        Assert.True((x[0, 2] - (40 - 30)).abs().max().ToSingle() < 1e-4f);
    }

    [Fact]
    public void A_pixel_count_that_does_not_match_names_the_origin()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            new ColorImages(new byte[11], 2, 2, [0], ["x"]).Validate("deck.svgz"));
        Assert.Contains("deck.svgz", e.Message);
        Assert.Contains("expected 12", e.Message);
    }

    [Fact]
    public void Transparency_is_composited_onto_the_mid_gray_and_wide_bitmaps_are_padded()
    {
        // 4×2 bitmap: left half opaque red, right half white at alpha 0.5; fitted into 4×4 it fills rows 1–2 unscaled
        using var bitmap = new SKBitmap(new SKImageInfo(4, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int x = 0; x < 4; x++)
            for (int y = 0; y < 2; y++)
                bitmap.SetPixel(x, y, x < 2 ? new SKColor(255, 0, 0, 255) : new SKColor(255, 255, 255, 128));
        var rgb = ColorImages.FitOnBackground(bitmap, 4);
        (int R, int G, int B) At(int row, int col) => Pixel(rgb, 4, row, col);
        Assert.Equal((128, 128, 128), At(0, 0));                       // padding above
        Assert.Equal((128, 128, 128), At(3, 3));                       // padding below
        Assert.Equal((255, 0, 0), At(1, 0));
        var (r, g, b) = At(2, 3);                                      // 0.5·255 + 0.5·128 ≈ 192
        Assert.InRange(r, 189, 194);
        Assert.Equal(r, g);
        Assert.Equal(r, b);
    }

    const string RedBlue = """
        <svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">
          <rect id="left" x="0" y="0" width="20" height="20" fill="#ff0000"/>
          <g id="right"><rect x="20" y="0" width="20" height="20" fill="#0000ff"/></g>
          <rect id="veil" x="0" y="0" width="40" height="4" fill="#ffffff" fill-opacity="0.5"/>
        </svg>
        """;

    static (int R, int G, int B) Pixel(byte[] rgb, int size, int row, int col)
        => (rgb[row * size + col], rgb[size * size + row * size + col], rgb[2 * size * size + row * size + col]);

    [Fact]
    public void The_svg_renderer_draws_a_hand_written_document_fitted_and_centered()
    {
        using var svg = new SvgRenderer(Encoding.UTF8.GetBytes(RedBlue), "red-blue.svg");
        Assert.Equal((40.0, 20.0), (svg.Width, svg.Height));
        var rgb = svg.RenderDocument(40, ColorImages.Background);      // 40×20 into 40×40: rows 10–29
        Assert.Equal((128, 128, 128), Pixel(rgb, 40, 5, 20));
        Assert.Equal((128, 128, 128), Pixel(rgb, 40, 34, 20));
        Assert.Equal((255, 0, 0), Pixel(rgb, 40, 20, 5));
        Assert.Equal((0, 0, 255), Pixel(rgb, 40, 20, 35));
        var (r, g, b) = Pixel(rgb, 40, 11, 35);                       // half-white veil over blue: (128, 128, 255)
        Assert.InRange(r, 126, 129);
        Assert.InRange(g, 126, 129);
        Assert.Equal(255, b);
    }

    [Fact]
    public void The_svg_renderer_draws_one_element_by_id_filling_the_square()
    {
        using var svg = new SvgRenderer(Encoding.UTF8.GetBytes(RedBlue), "red-blue.svg");
        Assert.True(svg.HasElement("right"));
        var rgb = svg.RenderElement("right", 8, ColorImages.Background);
        for (int row = 0; row < 8; row++)
            for (int col = 0; col < 8; col++)
                Assert.Equal((0, 0, 255), Pixel(rgb, 8, row, col));
        var e = Assert.Throws<KeyNotFoundException>(() => svg.RenderElement("club_1", 8, ColorImages.Background));
        Assert.Contains("red-blue.svg", e.Message);
        Assert.Contains("club_1", e.Message);
    }

    [Fact]
    public void Bad_svg_input_is_reported_with_the_file()
    {
        var missing = Path.Combine(_dir, "nowhere.svgz");
        Assert.Contains(missing, Assert.Throws<FileNotFoundException>(() => SvgRenderer.Load(missing)).Message);
        var e = Assert.Throws<InvalidDataException>(() => new SvgRenderer("not svg"u8.ToArray(), "junk.svg"));
        Assert.Contains("junk.svg", e.Message);
        var cards = Assert.Throws<FileNotFoundException>(() => ColorDatasets.CardSuits(_dir, _dir, 16));
        Assert.Contains(Path.Combine(_dir, ColorDatasets.CardDecks[0].File), cards.Message);
        var emoji = Assert.Throws<FileNotFoundException>(() => ColorDatasets.EmojiGroups(_dir, _dir, 16, 10, 1));
        Assert.Contains(Path.Combine(_dir, "NotoColorEmoji.ttf"), emoji.Message);
        var photo = Assert.Throws<FileNotFoundException>(() =>
            ColorDatasets.PhotoPatches(_dir, ["astronaut.png"], 1, 1, 8, 32, 1));
        Assert.Contains(Path.Combine(_dir, "astronaut.png"), photo.Message);
    }

    [Fact]
    public void The_deck_table_uses_exactly_the_manifests_files()
    {
        foreach (var name in new[] { "gnome-cards-data", "kdegames-card-data-kf5" })
            Assert.Equal(DataManifest.Get(name).Files.Select(f => f.Name).Order(),
                ColorDatasets.CardDecks.Where(d => d.Manifest == name).Select(d => d.File).Order());
        Assert.Equal(ColorDatasets.CardSuitClasses, DataManifest.Get("gnome-cards-data").Classes);
        Assert.Equal(ColorDatasets.EmojiGroupClasses, DataManifest.Get("emoji-datasource-twitter").Classes);
        Assert.Equal(ColorDatasets.Photos.Select(Path.GetFileNameWithoutExtension),
            DataManifest.Get("photo-patches").Classes);
    }

    [Fact]
    public void Card_suits_split_by_deck_family_with_balanced_suits()
    {
        var (pool, test) = ColorDatasets.CardSuits(ArtifactFetcher.Fetch(DataManifest.Get("gnome-cards-data")),
            ArtifactFetcher.Fetch(DataManifest.Get("kdegames-card-data-kf5")), 24);
        static string Family(string origin) => origin[..origin.IndexOf('/')];
        Assert.Equal([400, 400, 400, 400], pool.CountsPerClass(4));
        Assert.Equal([143, 143, 143, 143], test.CountsPerClass(4));
        Assert.Equal(ColorDatasets.CardTestFamilies.Order(), test.Origins.Select(Family).Distinct().Order());
        Assert.Empty(pool.Origins.Select(Family).Intersect(test.Origins.Select(Family)));
        // a card is mostly not background: every render drew something
        for (int i = 0; i < pool.Count; i += 97)
            Assert.True(pool.Pixels.Skip(i * 3 * 576).Take(3 * 576).Count(p => p != 128) > 576, pool.Origins[i]);
    }

    [Fact]
    public void Emoji_groups_show_the_same_emoji_in_two_styles_one_per_pool()
    {
        var noto = ArtifactFetcher.Fetch(DataManifest.Get("fonts-noto-color-emoji"));
        var twemoji = ArtifactFetcher.Fetch(DataManifest.Get("emoji-datasource-twitter"));
        var (pool, test) = ColorDatasets.EmojiGroups(noto, twemoji, 16, int.MaxValue, seed: 1);
        Assert.Equal([160, 156, 153, 128, 218, 85, 261, 211], pool.CountsPerClass(8));
        Assert.Equal(pool.Labels, test.Labels);
        Assert.All(pool.Origins, o => Assert.StartsWith("noto/", o));
        Assert.All(test.Origins, o => Assert.StartsWith("twemoji/", o));
        Assert.Equal(pool.Origins.Select(o => o[5..]), test.Origins.Select(o => o[8..]));
        var (capped, _) = ColorDatasets.EmojiGroups(noto, twemoji, 16, 150, seed: 1);
        Assert.Equal([150, 150, 150, 128, 150, 85, 150, 150], capped.CountsPerClass(8));
        Assert.Empty(capped.Origins.Except(pool.Origins));
    }

    [Fact]
    public void Photo_patches_come_from_the_top_half_for_the_pool_and_the_bottom_half_for_test()
    {
        var folder = ArtifactFetcher.Fetch(DataManifest.Get("photo-patches"));
        var (pool, test) = ColorDatasets.PhotoPatches(folder, ColorDatasets.Photos, 20, 10, 32, 128, seed: 2);
        Assert.Equal(Enumerable.Repeat(20, 9), pool.CountsPerClass(9));
        Assert.Equal(Enumerable.Repeat(10, 9), test.CountsPerClass(9));
        // origin "name@(top,left)"; the listed photos are square or landscape: 128 px high, halves meet at row 64
        static int Top(string origin) => int.Parse(origin[(origin.IndexOf('(') + 1)..origin.IndexOf(',')]);
        Assert.All(pool.Origins, o => Assert.InRange(Top(o), 0, 64 - 32));
        Assert.All(test.Origins, o => Assert.InRange(Top(o), 64, 128 - 32));
        int camera = ColorDatasets.Photos.ToList().IndexOf("camera.png"), plane = 32 * 32;   // gray: R = G = B
        int first = Array.IndexOf(pool.Labels, (long)camera);
        Assert.Equal(pool.Pixels.AsSpan(first * 3 * plane, plane).ToArray(),
            pool.Pixels.AsSpan(first * 3 * plane + 2 * plane, plane).ToArray());
    }
}
