using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using SkiaSharp;

namespace TangentKit.Data.Images;

/// <summary>
/// Decodes image files of the paper's datasets into <see cref="RgbImage"/> as PIL's <c>Image.open(f).convert("RGB")</c>
/// does: JPEG, PNG, BMP and WebP through SkiaSharp (gray and CMYK JPEGs, palette and gray PNGs become RGB; an alpha
/// channel is dropped, not blended; no color profile or EXIF orientation is applied, as PIL applies none), and binary
/// PPM/PGM (P6/P5, maxval 255: GTSRB's images) by a reader of its own. Thread-safe.
/// </summary>
public static class ImageDecoding
{
    /// <summary>Decodes the file at <paramref name="path"/>; errors name the file and what was found.</summary>
    public static RgbImage Decode(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"{path}: image file not found.", path, e);
        }
        return Decode(data, path);
    }

    /// <summary>Decodes an encoded image held in memory; <paramref name="origin"/> names it in errors.</summary>
    public static RgbImage Decode(byte[] data, string origin)
    {
        if (data.Length >= 2 && data[0] == (byte)'P' && data[1] is (byte)'5' or (byte)'6')
            return DecodeNetpbm(data, origin);
        if (data.Length >= 2 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'7')
            throw new InvalidDataException($"{origin}: a Netpbm file of kind P{(char)data[1]}; only binary P5 " +
                "(gray) and P6 (color) files are read.");
        return DecodeWithSkia(data, origin);
    }

    static RgbImage DecodeWithSkia(byte[] data, string origin)
    {
        using var skData = SKData.CreateCopy(data);
        using var codec = SKCodec.Create(skData);
        if (codec is null)
            throw new InvalidDataException($"{origin}: not a decodable image ({Magic(data)}); JPEG, " +
                "PNG, BMP, WebP and binary PPM/PGM are read.");
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
            throw new InvalidDataException($"{origin}: image of size {width}×{height}.");
        // Unpremultiplied RGBA: the stored color of every pixel whatever its alpha, which is then dropped.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        int bytes = checked(width * height * 4);
        var rgba = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            SKCodecResult result;
            var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            try { result = codec.GetPixels(info, handle.AddrOfPinnedObject()); }
            finally { handle.Free(); }
            if (result != SKCodecResult.Success)
                throw new InvalidDataException($"{origin}: decoding the {codec.EncodedFormat} image of " +
                    $"{width}×{height} failed: {result}" +
                    (result == SKCodecResult.IncompleteInput ? " (the file is truncated)." : "."));
            var rgb = new byte[width * height * 3];
            for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
            {
                rgb[q] = rgba[p];
                rgb[q + 1] = rgba[p + 1];
                rgb[q + 2] = rgba[p + 2];
            }
            return new RgbImage(width, height, rgb);
        }
        finally { ArrayPool<byte>.Shared.Return(rgba); }
    }

    /// Binary PGM (P5) and PPM (P6): magic, width, height, maxval separated by whitespace (comments from '#' to the end
    /// of a line), one whitespace byte, then rows of 8-bit samples.
    static RgbImage DecodeNetpbm(byte[] data, string origin)
    {
        bool color = data[1] == (byte)'6';
        int at = 2;
        int width = Field("width"), height = Field("height"), maxval = Field("maxval");
        if (maxval != 255)
            throw new InvalidDataException($"{origin}: P{(color ? 6 : 5)} maxval {maxval}; only 255 (8-bit samples) " +
                "is read.");
        if (width <= 0 || height <= 0)
            throw new InvalidDataException($"{origin}: P{(color ? 6 : 5)} image of size {width}×{height}.");
        if (at >= data.Length || !IsSpace(data[at]))
            throw new InvalidDataException($"{origin}: no whitespace after the P{(color ? 6 : 5)} header.");
        at++;
        long needed = (long)width * height * (color ? 3 : 1);
        if (data.Length - at < needed)
            throw new InvalidDataException($"{origin}: {data.Length - at} bytes of samples for a {width}×{height} " +
                $"P{(color ? 6 : 5)} image ({needed} expected; truncated file).");
        var rgb = new byte[width * height * 3];
        if (color) Array.Copy(data, at, rgb, 0, rgb.Length);
        else
            for (int p = 0; p < width * height; p++)
                rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = data[at + p];
        return new RgbImage(width, height, rgb);

        int Field(string what)
        {
            while (at < data.Length && (IsSpace(data[at]) || data[at] == (byte)'#'))
            {
                if (data[at] == (byte)'#')
                    while (at < data.Length && data[at] != (byte)'\n' && data[at] != (byte)'\r') at++;
                else at++;
            }
            int start = at;
            long value = 0;
            while (at < data.Length && data[at] is >= (byte)'0' and <= (byte)'9' && at - start < 9)
                value = value * 10 + (data[at++] - '0');
            if (at == start || (at < data.Length && !IsSpace(data[at])))
                throw new InvalidDataException($"{origin}: the Netpbm header's {what} is not a number " +
                    $"(found '{Encoding.ASCII.GetString(data, start, Math.Min(12, data.Length - start))}').");
            return (int)value;
        }
    }

    static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    static string Magic(byte[] data) => data.Length == 0 ? "empty file"
        : "starts with " + string.Join(" ", data.Take(8).Select(b => b.ToString("x2")));
}
