using System.Text;
using SkiaSharp;
using TangentKit.Data.Images;

namespace TangentKit.Tests.Data;

/// Tiny image files for the dataset readers' tests: PNG written by SkiaSharp, binary PPM (P6) written by hand, and a
/// decoder of both (SkiaSharp for PNG/BMP/JPEG, a P6 parser here). An image's pixels carry an id, so a test can tell
/// which file a reader decoded.
static class ImageFixtures
{
    /// A w×h image whose first pixel is (id mod 256, id / 256, 7), the others a gradient.
    public static RgbImage Tagged(int id, int width = 3, int height = 2)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++)
            (pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) = ((byte)(i * 40), (byte)(i * 20 + 3), (byte)i);
        (pixels[0], pixels[1], pixels[2]) = ((byte)(id % 256), (byte)(id / 256), 7);
        return new RgbImage(width, height, pixels);
    }

    /// The id Tagged wrote into an image.
    public static int IdOf(RgbImage image) => image.Pixels[0] + 256 * image.Pixels[1];

    /// Writes `image` as a PNG (whatever the extension of `path`), creating folders.
    public static void WritePng(string path, RgbImage image) => Write(path, image, SKEncodedImageFormat.Png, 100);

    static void Write(string path, RgbImage image, SKEncodedImageFormat format, int quality)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888,
            SKAlphaType.Unpremul));
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                int o = 3 * (y * image.Width + x);
                bitmap.SetPixel(x, y, new SKColor(image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2]));
            }
        using var data = bitmap.Encode(format, quality);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// A w×h image of class `label`'s colour (a fixed spread over the RGB cube) with seeded per-pixel noise of ±24:
    /// a class signal that fine-tuning can pick up.
    public static RgbImage ClassColored(int label, int seed, int width = 16, int height = 16)
    {
        var random = new Random(seed);
        byte[] colour = [(byte)(37 * label % 200 + 28), (byte)(91 * label % 200 + 28), (byte)(53 * label % 200 + 28)];
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(colour[i % 3] + random.Next(-24, 25));
        return new RgbImage(width, height, pixels);
    }

    /// Writes `image` as a JPEG of quality 90 (SkiaSharp's encoder), creating folders.
    public static void WriteJpeg(string path, RgbImage image) => Write(path, image, SKEncodedImageFormat.Jpeg, 90);

    /// Writes `image` as a binary PPM (P6, maxval 255), creating folders.
    public static void WritePpm(string path, RgbImage image)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = Encoding.ASCII.GetBytes($"P6\n{image.Width} {image.Height}\n255\n");
        File.WriteAllBytes(path, [.. header, .. image.Pixels]);
    }

    /// Decodes PPM (P6) here and anything else with SkiaSharp; thread-safe.
    public static RgbImage Decode(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (path.EndsWith(".ppm", StringComparison.OrdinalIgnoreCase)) return DecodePpm(bytes, path);
        using var bitmap = SKBitmap.Decode(bytes) ?? throw new InvalidDataException("SkiaSharp cannot decode it");
        var pixels = new byte[bitmap.Width * bitmap.Height * 3];
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                int o = 3 * (y * bitmap.Width + x);
                (pixels[o], pixels[o + 1], pixels[o + 2]) = (c.Red, c.Green, c.Blue);
            }
        return new RgbImage(bitmap.Width, bitmap.Height, pixels);
    }

    static RgbImage DecodePpm(byte[] bytes, string path)
    {
        // "P6", width, height, maxval separated by single whitespace (what WritePpm writes), then the pixels.
        var fields = new List<string>();
        int at = 0;
        while (fields.Count < 4)
        {
            int start = at;
            while (!char.IsWhiteSpace((char)bytes[at])) at++;
            fields.Add(Encoding.ASCII.GetString(bytes, start, at - start));
            at++;
        }
        if (fields[0] != "P6" || fields[3] != "255") throw new InvalidDataException($"{path}: not a P6 PPM");
        int w = int.Parse(fields[1]), h = int.Parse(fields[2]);
        return new RgbImage(w, h, bytes[at..(at + w * h * 3)]);
    }
}
