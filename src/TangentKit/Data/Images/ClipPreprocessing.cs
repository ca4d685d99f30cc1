using System.Buffers;

namespace TangentKit.Data.Images;

/// <summary>
/// open_clip's image transforms for the paper preset (research/paper.md §3.3), byte-exact with PIL and torchvision.
/// Evaluation: <c>Resize(size, BICUBIC)</c> (shorter side to <c>size</c>, the longer to int(long·size/short)),
/// <c>CenterCrop(size)</c>, <c>ToTensor</c>, <c>Normalize</c> with CLIP's mean and std. Training:
/// <c>RandomResizedCrop(size, scale (0.9, 1), ratio (3/4, 4/3), BICUBIC)</c> sampled from the seed, then
/// <c>ToTensor</c> and <c>Normalize</c>. Output [3, size, size], channel-major. Thread-safe, no torch calls.
/// </summary>
/// <example>
/// <code>
/// var clip = new ClipPreprocessing();                       // 224
/// var x = new float[3 * 224 * 224];
/// clip.Evaluation(ImageDecoding.Decode("cars_test/00001.jpg"), x);
/// clip.Training(image, seed: 42, x);                        // the same seed gives the same crop
/// </code>
/// </example>
public sealed class ClipPreprocessing : IImageTransform
{
    /// <summary>CLIP's per-channel mean (R, G, B), as open_clip's <c>OPENAI_DATASET_MEAN</c>.</summary>
    public static IReadOnlyList<float> Mean { get; } = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (R, G, B), as open_clip's <c>OPENAI_DATASET_STD</c>.</summary>
    public static IReadOnlyList<float> Std { get; } = [0.26862954f, 0.26130258f, 0.27577711f];

    // (b/255 − mean)/std in float32, the operations of ToTensor and Normalize, for every byte and channel
    static readonly float[] Normalized = BuildTable();

    static float[] BuildTable()
    {
        var table = new float[3 * 256];
        for (int c = 0; c < 3; c++)
            for (int b = 0; b < 256; b++) table[c * 256 + b] = ((float)b / 255f - Mean[c]) / Std[c];
        return table;
    }

    /// <summary>
    /// The transforms at output side <paramref name="size"/> (224 for the paper's ViTs; small sizes for tests) with
    /// the training crop's area fraction in [<paramref name="minScale"/>, <paramref name="maxScale"/>].
    /// </summary>
    public ClipPreprocessing(int size = 224, double minScale = 0.9, double maxScale = 1.0)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the output size must be positive.");
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(minScale), $"the crop scale range must satisfy 0 < min ≤ " +
                $"max ≤ 1; got ({minScale}, {maxScale}).");
        (Size, MinScale, MaxScale) = (size, minScale, maxScale);
    }

    /// <summary>Side of the square output.</summary>
    public int Size { get; }

    /// <summary>Smallest area fraction of a training crop.</summary>
    public double MinScale { get; }

    /// <summary>Largest area fraction of a training crop.</summary>
    public double MaxScale { get; }

    /// <summary>Smallest aspect ratio (width/height) of a training crop, torchvision's 3/4.</summary>
    public const double MinRatio = 3.0 / 4;

    /// <summary>Largest aspect ratio (width/height) of a training crop, torchvision's 4/3.</summary>
    public const double MaxRatio = 4.0 / 3;

    /// <summary>[3, Size, Size].</summary>
    public long[] OutputShape => [3, Size, Size];

    /// <summary>
    /// torchvision's <c>Resize(size)</c> output for a <paramref name="width"/>×<paramref name="height"/> image: the
    /// shorter side becomes <paramref name="size"/>, the longer int(size·long/short).
    /// </summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        int shorter = Math.Min(width, height), longer = Math.Max(width, height);
        int resizedLong = (int)((double)size * longer / shorter);
        return width <= height ? (size, resizedLong) : (resizedLong, size);
    }

    /// <summary>The evaluation transform: resize (shorter side), center crop, normalize.</summary>
    public void Evaluation(RgbImage image, Span<float> destination)
    {
        Check(destination);
        var (w, h) = ResizedSize(image.Width, image.Height, Size);
        // torchvision's CenterCrop: top = int(round((h − size) / 2)), round half to even as Python's round
        int top = (int)Math.Round((h - Size) / 2.0), left = (int)Math.Round((w - Size) / 2.0);
        Write(image, new CropBox(0, 0, image.Height, image.Width), w, h, new CropBox(top, left, Size, Size),
            destination);
    }

    /// <summary>The training augmentation: a seeded random resized crop, then normalize.</summary>
    public void Training(RgbImage image, ulong seed, Span<float> destination) =>
        ResizedCrop(image, SampleCrop(image.Width, image.Height, seed), destination);

    /// <summary>
    /// The crop box of <paramref name="seed"/> on a <paramref name="width"/>×<paramref name="height"/> image, as
    /// torchvision's <c>RandomResizedCrop.get_params</c>: up to 10 draws of an area fraction (uniform) and an aspect
    /// ratio (log-uniform), w = round(√(area·ratio)), h = round(√(area/ratio)), the first that fits placed uniformly;
    /// otherwise the center crop clamped to the ratio range. Random numbers come from SplitMix64, not torch's
    /// generator.
    /// </summary>
    public CropBox SampleCrop(int width, int height, ulong seed)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive; got {width}×{height}.");
        var rng = new SplitMix64(unchecked((long)seed), stream: 0x434C4950);   // "CLIP"
        double area = (double)width * height, logMin = Math.Log(MinRatio), logMax = Math.Log(MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (MinScale + (MaxScale - MinScale) * rng.NextDouble());
            double ratio = Math.Exp(logMin + (logMax - logMin) * rng.NextDouble());
            int w = (int)Math.Round(Math.Sqrt(target * ratio)), h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = rng.NextInt(height - h + 1), left = rng.NextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double)width / height;
        var (cw, ch) = inRatio < MinRatio ? (width, (int)Math.Round(width / MinRatio))
            : inRatio > MaxRatio ? ((int)Math.Round(height * MaxRatio), height)
            : (width, height);
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>
    /// torchvision's <c>resized_crop</c> on a PIL image: crops <paramref name="box"/>, resizes it to Size×Size
    /// (bicubic), normalizes.
    /// </summary>
    public void ResizedCrop(RgbImage image, CropBox box, Span<float> destination)
    {
        Check(destination);
        Write(image, box, Size, Size, new CropBox(0, 0, Size, Size), destination);
    }

    void Check(Span<float> destination)
    {
        if (destination.Length != 3 * Size * Size)
            throw new ArgumentException($"destination holds {destination.Length} floats; a [3, {Size}, {Size}] " +
                $"image needs {3 * Size * Size}.", nameof(destination));
    }

    void Write(RgbImage image, CropBox region, int width, int height, CropBox window, Span<float> destination)
    {
        int plane = Size * Size;
        var bytes = ArrayPool<byte>.Shared.Rent(3 * plane);
        try
        {
            BicubicResize.ResizeWindow(image, region, width, height, window, bytes.AsSpan(0, 3 * plane));
            for (int p = 0; p < plane; p++)                     // [H, W, 3] bytes → [3, H, W] floats
            {
                destination[p] = Normalized[bytes[3 * p]];
                destination[plane + p] = Normalized[256 + bytes[3 * p + 1]];
                destination[2 * plane + p] = Normalized[512 + bytes[3 * p + 2]];
            }
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }
}
