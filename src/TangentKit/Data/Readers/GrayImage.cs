using SkiaSharp;

namespace TangentKit.Data.Readers;

/// <summary>Decodes an image file (PNG, JPEG, …) to 8-bit gray pixels with SkiaSharp.</summary>
public static class GrayImage
{
    /// <summary>Width, height and row-major gray bytes of <paramref name="path"/>.</summary>
    public static (int Width, int Height, byte[] Pixels) Read(string path)
    {
        using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not a decodable image.");
        var info = new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var gray = new SKBitmap(info);
        using (var canvas = new SKCanvas(gray)) canvas.DrawBitmap(decoded, 0, 0);
        return (gray.Width, gray.Height, gray.Bytes);
    }
}
