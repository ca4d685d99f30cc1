using System.Buffers;

namespace TangentKit.Data.Images;

/// <summary>
/// PIL's <c>Image.resize(size, Image.BICUBIC)</c> on 8-bit RGB, reproduced to the byte: the cubic kernel with
/// a = −0.5, its support widened by the downscaling factor (antialiasing), weights normalized per output pixel and
/// rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and clipped to 8 bits (PIL's
/// <c>Resample.c</c>). An axis whose size does not change is copied, as PIL skips that pass.
/// </summary>
public static class BicubicResize
{
    const int PrecisionBits = 32 - 8 - 2;                       // PIL's fixed-point precision for 8-bit images

    /// <summary>The whole of <paramref name="image"/> resized to <paramref name="width"/>×<paramref name="height"/>.
    /// </summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width),
                $"output size must be positive; got {width}×{height}.");
        var pixels = new byte[width * height * 3];
        ResizeWindow(image, new CropBox(0, 0, image.Height, image.Width), width, height,
            new CropBox(0, 0, height, width), pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// Resizes the <paramref name="region"/> of <paramref name="image"/> (as if cropped first: pixels outside it are
    /// never read) to <paramref name="width"/>×<paramref name="height"/> and writes only the <paramref name="window"/>
    /// of that result (window.Height·window.Width·3 bytes, RGB interleaved) into <paramref name="destination"/>: a
    /// resize followed by a crop, without computing the pixels the crop discards.
    /// </summary>
    public static void ResizeWindow(RgbImage image, CropBox region, int width, int height, CropBox window,
        Span<byte> destination)
    {
        if (region.Left < 0 || region.Top < 0 || region.Width <= 0 || region.Height <= 0
            || region.Left + region.Width > image.Width || region.Top + region.Height > image.Height)
            throw new ArgumentOutOfRangeException(nameof(region), region,
                $"the region must lie inside the {image.Width}×{image.Height} image.");
        if (window.Left < 0 || window.Top < 0 || window.Width <= 0 || window.Height <= 0
            || window.Left + window.Width > width || window.Top + window.Height > height)
            throw new ArgumentOutOfRangeException(nameof(window), window,
                $"the window must lie inside the {width}×{height} output.");
        if (destination.Length != window.Width * window.Height * 3)
            throw new ArgumentException($"destination holds {destination.Length} bytes; the {window.Width}×" +
                $"{window.Height} window needs {window.Width * window.Height * 3}.", nameof(destination));

        var pool = ArrayPool<int>.Shared;
        int hTaps = Taps(region.Width, width), vTaps = Taps(region.Height, height);
        int[] hBounds = pool.Rent(2 * window.Width), hWeights = pool.Rent(hTaps * window.Width);
        int[] vBounds = pool.Rent(2 * window.Height), vWeights = pool.Rent(vTaps * window.Height);
        byte[]? temp = null;
        try
        {
            Coefficients(region.Width, width, window.Left, window.Width, hTaps, hBounds, hWeights);
            Coefficients(region.Height, height, window.Top, window.Height, vTaps, vBounds, vWeights);
            // the source rows the vertical pass reads (first indices are nondecreasing in the output row)
            int first = vBounds[0], last = vBounds[2 * (window.Height - 1)] + vBounds[2 * (window.Height - 1) + 1];
            int rows = last - first, rowBytes = window.Width * 3;
            temp = ArrayPool<byte>.Shared.Rent(rows * rowBytes);
            var src = image.Pixels;
            const int half = 1 << (PrecisionBits - 1);
            for (int r = 0; r < rows; r++)                      // horizontal pass: [rows, window.Width, 3]
            {
                int rowStart = ((region.Top + first + r) * image.Width + region.Left) * 3;
                int o = r * rowBytes;
                for (int x = 0; x < window.Width; x++, o += 3)
                {
                    int xmin = hBounds[2 * x], count = hBounds[2 * x + 1], k = x * hTaps;
                    int s0 = half, s1 = half, s2 = half;
                    for (int t = 0, p = rowStart + 3 * xmin; t < count; t++, p += 3)
                    {
                        int w = hWeights[k + t];
                        s0 += src[p] * w;
                        s1 += src[p + 1] * w;
                        s2 += src[p + 2] * w;
                    }
                    temp[o] = Clip8(s0);
                    temp[o + 1] = Clip8(s1);
                    temp[o + 2] = Clip8(s2);
                }
            }
            for (int y = 0; y < window.Height; y++)             // vertical pass: [window.Height, window.Width, 3]
            {
                int ymin = vBounds[2 * y] - first, count = vBounds[2 * y + 1], k = y * vTaps;
                var row = destination.Slice(y * rowBytes, rowBytes);
                for (int i = 0; i < rowBytes; i++)
                {
                    int s = half;
                    for (int t = 0, p = ymin * rowBytes + i; t < count; t++, p += rowBytes)
                        s += temp[p] * vWeights[k + t];
                    row[i] = Clip8(s);
                }
            }
        }
        finally
        {
            pool.Return(hBounds);
            pool.Return(hWeights);
            pool.Return(vBounds);
            pool.Return(vWeights);
            if (temp is not null) ArrayPool<byte>.Shared.Return(temp);
        }
    }

    static byte Clip8(int v) => v >= 255 << PrecisionBits ? (byte)255 : v <= 0 ? (byte)0 : (byte)(v >> PrecisionBits);

    /// <summary>PIL's bicubic kernel, a = −0.5, support 2.</summary>
    static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    // The most taps one output pixel uses: ceil(support)·2 + 1 (PIL's ksize); 1 where the size does not change.
    static int Taps(int inSize, int outSize) =>
        inSize == outSize ? 1 : (int)Math.Ceiling(2.0 * Math.Max(1.0, (double)inSize / outSize)) * 2 + 1;

    // For output pixels from..from+count−1: (first input pixel, number of taps) in `bounds` and the fixed-point
    // weights in `weights` (taps per pixel), as PIL's precompute_coeffs and normalize_coeffs_8bpc compute them.
    static void Coefficients(int inSize, int outSize, int from, int count, int taps, int[] bounds, int[] weights)
    {
        if (inSize == outSize)
        {
            for (int i = 0; i < count; i++)
                (bounds[2 * i], bounds[2 * i + 1], weights[i]) = (from + i, 1, 1 << PrecisionBits);
            return;
        }
        double scale = (double)inSize / outSize, filterScale = Math.Max(1.0, scale), support = 2.0 * filterScale;
        Span<double> k = stackalloc double[taps];
        for (int i = 0; i < count; i++)
        {
            double center = (from + i + 0.5) * scale, ss = 1.0 / filterScale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            double sum = 0;
            for (int x = 0; x < xmax; x++) sum += k[x] = Cubic((x + xmin - center + 0.5) * ss);
            for (int x = 0; x < xmax; x++)
            {
                double w = sum != 0 ? k[x] / sum : k[x];
                weights[i * taps + x] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }
            bounds[2 * i] = xmin;
            bounds[2 * i + 1] = xmax;
        }
    }
}

/// <summary>A rectangle of an image in torchvision's (top, left, height, width) order.</summary>
/// <param name="Top">First row.</param>
/// <param name="Left">First column.</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public readonly record struct CropBox(int Top, int Left, int Height, int Width);
