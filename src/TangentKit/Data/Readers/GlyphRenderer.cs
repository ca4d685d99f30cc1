using SkiaSharp;

namespace TangentKit.Data.Readers;

/// <summary>
/// Renders single characters from font files to small gray images, with seeded scale, shift, rotation and stroke
/// jitter (the letters task).
/// </summary>
public sealed class GlyphRenderer : IDisposable
{
    readonly SKTypeface _typeface;

    /// <summary>Loads the font face at <paramref name="fontPath"/>; the error names the file.</summary>
    public GlyphRenderer(string fontPath)
    {
        _typeface = SKTypeface.FromFile(fontPath)
            ?? throw new InvalidDataException($"{fontPath}: not a font SkiaSharp can read.");
        FontPath = fontPath;
    }

    /// <summary>The font file.</summary>
    public string FontPath { get; }

    /// <summary>
    /// <paramref name="c"/> rendered white on black into size×size gray bytes: glyph height ≈ 60–80 % of the
    /// image, shifted by up to ±10 %, rotated by up to ±12°, with stroke widths varying by ±0.6 px (all drawn from
    /// <paramref name="random"/>).
    /// </summary>
    public byte[] Render(char c, int size, Random random)
    {
        var info = new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.Black);
        float height = size * (0.6f + 0.2f * random.NextSingle());
        using var paint = new SKPaint
            { Color = SKColors.White, IsAntialias = true, Typeface = _typeface, TextSize = height };
        float stroke = (random.NextSingle() - 0.5f) * 1.2f;
        if (stroke > 0) { paint.Style = SKPaintStyle.StrokeAndFill; paint.StrokeWidth = stroke; }
        var text = c.ToString();
        var bounds = new SKRect();
        paint.MeasureText(text, ref bounds);
        float dx = (random.NextSingle() - 0.5f) * 0.2f * size, dy = (random.NextSingle() - 0.5f) * 0.2f * size;
        canvas.Translate(size / 2f + dx, size / 2f + dy);
        canvas.RotateDegrees((random.NextSingle() - 0.5f) * 24f);
        canvas.DrawText(text, -bounds.MidX, -bounds.MidY, paint);
        canvas.Flush();
        return bitmap.Bytes;
    }

    /// <summary>Frees the typeface.</summary>
    public void Dispose() => _typeface.Dispose();
}
