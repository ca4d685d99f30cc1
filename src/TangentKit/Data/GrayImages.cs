using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// Gray 8-bit images [N, H, W] with class labels: what the readers produce before the backbone's preprocessing.
/// </summary>
/// <param name="Pixels">Row-major bytes, N·H·W of them.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
/// <param name="Labels">Class index per image.</param>
public sealed record GrayImages(byte[] Pixels, int Height, int Width, long[] Labels) : IImagePool
{
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Checks that the pixel count matches N·H·W; the error names <paramref name="origin"/>.</summary>
    public GrayImages Validate(string origin)
    {
        if ((long)Count * Height * Width != Pixels.Length)
            throw new InvalidDataException(
                $"{origin}: {Pixels.Length} pixels for {Count} images of {Height}×{Width}.");
        return this;
    }

    /// <summary>
    /// The images at <paramref name="indices"/> as backbone inputs [n, 3, size, size]: 0–255 values resized
    /// (bilinear), replicated to three channels and centered by <paramref name="channelMeans"/> (the ImageNet
    /// ResNet's BGR means).
    /// </summary>
    public Tensor ToBackboneInput(IReadOnlyList<long> indices, int size, IReadOnlyList<float> channelMeans)
    {
        int plane = Height * Width;
        var selected = new byte[indices.Count * plane];
        for (int i = 0; i < indices.Count; i++)
            Array.Copy(Pixels, indices[i] * plane, selected, (long)i * plane, plane);
        using var scope = NewDisposeScope();
        var x = tensor(selected, [indices.Count, 1, Height, Width], device: CPU).to_type(ScalarType.Float32);
        if (Height != size || Width != size)
            x = nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var means = tensor(channelMeans.ToArray(), device: CPU).view(1, 3, 1, 1);
        return (x.expand(-1, 3, -1, -1) - means).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The labels at <paramref name="indices"/> as an int64 tensor.</summary>
    public Tensor LabelsAt(IReadOnlyList<long> indices) =>
        tensor(indices.Select(i => Labels[i]).ToArray(), device: CPU);
}
