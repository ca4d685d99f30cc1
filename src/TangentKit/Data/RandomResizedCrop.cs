using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// The paper's training transform, seeded: each image is cropped to a random box of area fraction
/// [<c>minScale</c>, 1] and aspect ratio [3/4, 4/3] (log-uniform, as torchvision's RandomResizedCrop; sides clamped to
/// the image) and resized back to its size (bilinear). The same seed and step give the same crops, so resumed runs
/// see the same batches.
/// </summary>
public static class RandomResizedCrop
{
    /// <summary>Crops of <paramref name="images"/> [N, C, H, W] for fine-tuning step <paramref name="step"/>.</summary>
    public static Tensor Apply(Tensor images, double minScale, long seed, long step)
    {
        if (images.dim() != 4)
            throw new ArgumentException($"images must be [N, C, H, W], got [{string.Join(",", images.shape)}].",
                nameof(images));
        if (!(minScale > 0 && minScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(minScale), minScale, "the crop scale must be in (0, 1].");
        var rng = new SplitMix64(seed, stream: 1_000_003 + step);
        long n = images.shape[0];
        var boxes = new float[n * 6];
        for (long i = 0; i < n; i++)
        {
            double area = minScale + (1 - minScale) * rng.NextDouble();
            double ratio = Math.Exp(Math.Log(3.0 / 4) + (Math.Log(4.0 / 3) - Math.Log(3.0 / 4)) * rng.NextDouble());
            double w = Math.Min(1, Math.Sqrt(area * ratio)), h = Math.Min(1, Math.Sqrt(area / ratio));
            double cx = (1 - w) * (2 * rng.NextDouble() - 1), cy = (1 - h) * (2 * rng.NextDouble() - 1);
            Crop(w, h, cx, cy).CopyTo(boxes, i * 6);
        }
        return Sample(images, boxes);
    }

    /// <summary>
    /// Resamples each image at the box of width <paramref name="w"/> and height <paramref name="h"/> (fractions of
    /// the image) centered at (<paramref name="cx"/>, <paramref name="cy"/>) in [−1, 1] coordinates.
    /// </summary>
    public static Tensor Resample(Tensor images, double w, double h, double cx, double cy)
    {
        var boxes = Enumerable.Range(0, (int)images.shape[0]).SelectMany(_ => Crop(w, h, cx, cy)).ToArray();
        return Sample(images, boxes);
    }

    static float[] Crop(double w, double h, double cx, double cy) =>
        [(float)w, 0, (float)cx, 0, (float)h, (float)cy];

    static Tensor Sample(Tensor images, float[] boxes)
    {
        using var scope = NewDisposeScope();
        var theta = tensor(boxes, [images.shape[0], 2, 3], device: images.device).to(images.dtype);
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border,
            align_corners: false).MoveToOuterDisposeScope();
    }
}
