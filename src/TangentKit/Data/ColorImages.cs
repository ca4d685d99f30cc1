using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// Color 8-bit images [N, 3, H, W] (planar R, G, B bytes, opaque: any transparency was composited onto
/// <see cref="Background"/> when the image was loaded) with class labels and where each image came from.
/// </summary>
/// <param name="Pixels">Bytes in [N, 3, H, W] order: per image its R plane, then G, then B, each row-major.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
/// <param name="Labels">Class index per image.</param>
/// <param name="Origins">
/// Where each image came from (e.g. <c>gnome/anglo#club_1</c>, <c>noto/1F600</c>, <c>astronaut@(12,40)</c>): the
/// split rules are checked on these.
/// </param>
public sealed record ColorImages(byte[] Pixels, int Height, int Width, long[] Labels, IReadOnlyList<string> Origins)
    : IImagePool
{
    /// <summary>
    /// The mid-gray (128, 128, 128) on which transparent pixels and the padding of non-square drawings are composited.
    /// </summary>
    public static readonly SKColor Background = new(128, 128, 128);

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>
    /// Checks that the pixel count matches N·3·H·W and that every image has an origin; errors name
    /// <paramref name="origin"/>.
    /// </summary>
    public ColorImages Validate(string origin)
    {
        if ((long)Count * 3 * Height * Width != Pixels.Length)
            throw new InvalidDataException(
                $"{origin}: {Pixels.Length} bytes for {Count} RGB images of {Height}×{Width} " +
                $"(expected {(long)Count * 3 * Height * Width}).");
        if (Origins.Count != Count)
            throw new InvalidDataException($"{origin}: {Origins.Count} origins for {Count} images.");
        return this;
    }

    /// <summary>
    /// The images at <paramref name="indices"/> as backbone inputs [n, 3, size, size] in the ImageNet ResNet's
    /// convention: channels reordered to B, G, R, 0–255 values resized (bilinear, align_corners false) and centered by
    /// <paramref name="channelMeans"/> (given in B, G, R order).
    /// </summary>
    public Tensor ToBackboneInput(IReadOnlyList<long> indices, int size, IReadOnlyList<float> channelMeans)
    {
        if (channelMeans.Count != 3)
            throw new ArgumentException($"channel means must be 3 (B, G, R); got {channelMeans.Count}.",
                nameof(channelMeans));
        int image = 3 * Height * Width;
        var selected = new byte[indices.Count * image];
        for (int i = 0; i < indices.Count; i++)
        {
            if (indices[i] < 0 || indices[i] >= Count)
                throw new ArgumentOutOfRangeException(nameof(indices), indices[i], $"index outside 0..{Count - 1}.");
            Array.Copy(Pixels, indices[i] * image, selected, (long)i * image, image);
        }
        using var scope = NewDisposeScope();
        var x = tensor(selected, [indices.Count, 3, Height, Width], device: CPU)
            .to_type(ScalarType.Float32).flip(1);                                                     // RGB → BGR
        if (Height != size || Width != size)
            x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var means = tensor(channelMeans.ToArray(), device: CPU).view(1, 3, 1, 1);
        return (x - means).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The labels at <paramref name="indices"/> as an int64 tensor.</summary>
    public Tensor LabelsAt(IReadOnlyList<long> indices) =>
        tensor(indices.Select(i => Labels[i]).ToArray(), device: CPU);

    /// <summary>Images per class, in label order (<paramref name="classes"/> entries).</summary>
    public int[] CountsPerClass(int classes)
    {
        var counts = new int[classes];
        foreach (var label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>
    /// <paramref name="bitmap"/> (any color type; transparency allowed) composited onto <see cref="Background"/> and
    /// fitted, aspect ratio kept and centered, into size×size: planar R, G, B bytes [3, size, size].
    /// </summary>
    public static byte[] FitOnBackground(SKBitmap bitmap, int size)
    {
        using var square = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(square))
        {
            canvas.Clear(Background);
            float scale = Math.Min((float)size / bitmap.Width, (float)size / bitmap.Height);
            float w = bitmap.Width * scale, h = bitmap.Height * scale;
            using var paint = new SKPaint { FilterQuality = SKFilterQuality.High, IsAntialias = true };
            canvas.DrawBitmap(bitmap, SKRect.Create((size - w) / 2, (size - h) / 2, w, h), paint);
        }
        var rgba = square.Bytes;                                 // R, G, B, A per pixel; opaque after the clear
        int plane = size * size;
        var rgb = new byte[3 * plane];
        for (int p = 0; p < plane; p++)
        {
            rgb[p] = rgba[4 * p];
            rgb[plane + p] = rgba[4 * p + 1];
            rgb[2 * plane + p] = rgba[4 * p + 2];
        }
        return rgb;
    }
}

/// <summary>Collects square planar-RGB images one at a time into a <see cref="ColorImages"/>.</summary>
internal sealed class ColorImagesBuilder(int size)
{
    readonly List<byte[]> _images = [];
    readonly List<long> _labels = [];
    readonly List<string> _origins = [];

    public int Count => _labels.Count;

    public void Add(byte[] rgb, long label, string origin)
    {
        if (rgb.Length != 3 * size * size)
            throw new ArgumentException($"{origin}: {rgb.Length} bytes, expected 3·{size}·{size}.", nameof(rgb));
        _images.Add(rgb);
        _labels.Add(label);
        _origins.Add(origin);
    }

    public ColorImages Build(string origin)
    {
        var pixels = new byte[(long)_images.Count * 3 * size * size];
        for (int i = 0; i < _images.Count; i++) _images[i].CopyTo(pixels, (long)i * 3 * size * size);
        return new ColorImages(pixels, size, size, _labels.ToArray(), _origins.ToArray()).Validate(origin);
    }
}
