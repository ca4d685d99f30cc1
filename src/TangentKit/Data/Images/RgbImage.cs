namespace TangentKit.Data.Images;

/// <summary>
/// A decoded 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B: what every reader of the paper's datasets
/// produces before preprocessing (gray images are replicated to three channels by their reader).
/// </summary>
public sealed record RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (Height·Width·3 bytes); the error names the mismatch.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentException($"image size must be positive; got {width}×{height}.");
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException($"a {width}×{height} RGB image needs {(long)width * height * 3} bytes; " +
                $"got {pixels.Length}.", nameof(pixels));
        (Width, Height, Pixels) = (width, height, pixels);
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Height·Width·3 bytes, row-major, R G B interleaved.</summary>
    public byte[] Pixels { get; }
}

/// <summary>
/// A labeled collection of images decoded on demand (a dataset split on disk): the paper preset's data, too large to
/// hold as tensors. <see cref="Decode"/> may be called from several threads at once.
/// </summary>
public interface IImageSource
{
    /// <summary>What and where the images are, e.g. <c>dtd/train under /data (3760 images)</c> (errors name it).
    /// </summary>
    string Description { get; }

    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Class index of every image.</summary>
    long[] Labels { get; }

    /// <summary>Image <paramref name="index"/> (0 ≤ index &lt; Count); thread-safe.</summary>
    RgbImage Decode(long index);
}

/// <summary>
/// Turns a decoded image into a network input: a deterministic evaluation transform and a seeded training
/// augmentation, both writing <see cref="OutputShape"/> floats (channel-major [C, H, W]) into a destination span.
/// </summary>
public interface IImageTransform
{
    /// <summary>Shape of one transformed image, e.g. [3, 224, 224].</summary>
    long[] OutputShape { get; }

    /// <summary>The evaluation transform (validation, test, heads, kernels).</summary>
    void Evaluation(RgbImage image, Span<float> destination);

    /// <summary>The training augmentation; the same <paramref name="seed"/> gives the same output.</summary>
    void Training(RgbImage image, ulong seed, Span<float> destination);
}
