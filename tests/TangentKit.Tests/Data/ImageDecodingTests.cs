using TangentKit.Data.Images;

namespace TangentKit.Tests.Data;

/// Decoding against PIL's <c>Image.open(f).convert("RGB")</c> of the same files, written by PIL: lossless formats
/// byte for byte, JPEGs within a few levels (the two decoders' IDCT and chroma upsampling may differ).
public sealed class ImageDecodingTests : IDisposable
{
    /// Largest per-sample difference accepted between two JPEG decoders of one file (SkiaSharp 2.88.6 and Debian 12's
    /// PIL 9.4 give identical bytes for every JPEG here; other libjpeg builds may round an IDCT differently).
    public const int JpegTolerance = 2;

    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-decode-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static int MaxDifference(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        int max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    const string Script = """
        import numpy as np
        from PIL import Image
        rng = np.random.default_rng(11)
        h, w = 29, 41
        yy, xx = np.mgrid[0:h, 0:w]
        smooth = np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=2) % 256
        noisy = np.clip(smooth + rng.integers(-20, 21, size=(h, w, 3)), 0, 255).astype(np.uint8)
        rgb = Image.fromarray(noisy, 'RGB')
        alpha = Image.fromarray(rng.integers(0, 256, size=(h, w), dtype=np.uint8), 'L')
        rgba = rgb.copy(); rgba.putalpha(alpha)
        files = {
            'rgb.png': rgb, 'rgba.png': rgba, 'gray.png': rgb.convert('L'), 'la.png': rgba.convert('LA'),
            'palette.png': rgb.convert('P', palette=Image.ADAPTIVE, colors=50), 'rgb.bmp': rgb,
            'lossless.webp': rgb, 'p6.ppm': rgb, 'p5.pgm': rgb.convert('L'),
            'rgb.jpg': rgb, 'gray.jpg': rgb.convert('L'), 'cmyk.jpg': rgb.convert('CMYK'), 'sub444.jpg': rgb,
        }
        for name, img in files.items():
            if name == 'lossless.webp': img.save(name, lossless=True)
            elif name == 'sub444.jpg': img.save(name, quality=95, subsampling=0)
            elif name.endswith('.jpg'): img.save(name, quality=90)
            else: img.save(name)
        header = b'P6\n# a comment, as some writers add\n41 29\n255\n'
        open('comment.ppm', 'wb').write(header + noisy.tobytes())
        for name in list(files) + ['comment.ppm']:
            np.asarray(Image.open(name).convert('RGB')).tofile(name + '.rgb')
        """;

    [Theory]
    [InlineData("rgb.png")]
    [InlineData("rgba.png")]
    [InlineData("gray.png")]
    [InlineData("la.png")]
    [InlineData("palette.png")]
    [InlineData("rgb.bmp")]
    [InlineData("lossless.webp")]
    [InlineData("p6.ppm")]
    [InlineData("p5.pgm")]
    [InlineData("comment.ppm")]
    public void Lossless_files_decode_as_pil_converts_them(string name)
    {
        PythonOracle.Run(Script, _dir);
        var image = ImageDecoding.Decode(Path.Combine(_dir, name));
        Assert.Equal((41, 29), (image.Width, image.Height));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, name + ".rgb")), image.Pixels);
    }

    [Theory]
    [InlineData("rgb.jpg")]
    [InlineData("gray.jpg")]
    [InlineData("cmyk.jpg")]
    [InlineData("sub444.jpg")]
    public void Jpegs_decode_within_a_few_levels_of_pil(string name)
    {
        PythonOracle.Run(Script, _dir);
        var image = ImageDecoding.Decode(Path.Combine(_dir, name));
        Assert.Equal((41, 29), (image.Width, image.Height));
        var pil = File.ReadAllBytes(Path.Combine(_dir, name + ".rgb"));
        int max = MaxDifference(pil, image.Pixels);
        Assert.True(max <= JpegTolerance, $"{name}: largest difference from PIL {max} levels");
        // not vacuous: the decoded picture is the noisy gradient, not a constant
        Assert.True(image.Pixels.Distinct().Count() > 100);
    }

    [Fact]
    public void Bad_files_are_errors_naming_them()
    {
        var junk = Path.Combine(_dir, "junk.jpg");
        File.WriteAllBytes(junk, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Contains(junk, Assert.Throws<InvalidDataException>(() => ImageDecoding.Decode(junk)).Message);
        var shortPpm = Path.Combine(_dir, "short.ppm");
        File.WriteAllBytes(shortPpm, [.. "P6 4 4 255\n"u8.ToArray(), .. new byte[10]]);
        var message = Assert.Throws<InvalidDataException>(() => ImageDecoding.Decode(shortPpm)).Message;
        Assert.Contains(shortPpm, message);
        Assert.Contains("48 expected", message);
        var deep = Path.Combine(_dir, "deep.pgm");
        File.WriteAllBytes(deep, [.. "P5 2 2 65535\n"u8.ToArray(), .. new byte[8]]);
        Assert.Contains("maxval 65535", Assert.Throws<InvalidDataException>(() => ImageDecoding.Decode(deep)).Message);
        var none = Path.Combine(_dir, "none.png");
        Assert.Contains(none, Assert.Throws<FileNotFoundException>(() => ImageDecoding.Decode(none)).Message);
    }
}
