using TangentKit.Data.Images;

namespace TangentKit.Tests.Data;

/// open_clip's preprocessing against PIL and numpy doing the same steps: <c>img.resize((w, h), Image.BICUBIC)</c>,
/// torchvision's resize and center-crop arithmetic written out, ToTensor and Normalize in float32.
public sealed class ClipPreprocessingTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-clip-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Writes image{i}.png (random noise: every pixel exercises the kernel and its clipping) and the oracle's
    // eval{i}.f32 / whole{i}.f32 / box{i}.f32: [3, s, s] float32 after PIL's resize, crop and normalization.
    string Oracle(IEnumerable<(int W, int H, int Size)> cases, IEnumerable<CropBox?>? boxes = null)
    {
        var list = string.Join(", ", cases.Select(c => $"({c.W}, {c.H}, {c.Size})"));
        var boxList = boxes is null ? "[]" : "[" + string.Join(", ", boxes.Select(b => b is { } x
            ? $"({x.Top}, {x.Left}, {x.Height}, {x.Width})" : "None")) + "]";
        PythonOracle.Run($$"""
            import numpy as np
            from PIL import Image
            mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
            std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
            def tensor(img):                                   # ToTensor + Normalize, float32 as torch computes them
                x = np.asarray(img, dtype=np.uint8).astype(np.float32) / np.float32(255)
                return ((x - mean) / std).astype(np.float32).transpose(2, 0, 1).copy()
            rng = np.random.default_rng(3)
            boxes = {{boxList}}
            for i, (w, h, s) in enumerate([{{list}}]):
                Image.fromarray(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8), 'RGB').save(f'image{i}.png')
                img = Image.open(f'image{i}.png').convert('RGB')
                short, long = min(w, h), max(w, h)         # torchvision Resize(s): shorter side s
                nl = int(s * long / short)
                nw, nh = (s, nl) if w <= h else (nl, s)
                r = img.resize((nw, nh), Image.BICUBIC)
                top, left = int(round((nh - s) / 2.0)), int(round((nw - s) / 2.0))   # CenterCrop(s)
                tensor(r.crop((left, top, left + s, top + s))).tofile(f'eval{i}.f32')
                tensor(img.resize((s, s), Image.BICUBIC)).tofile(f'whole{i}.f32')
                if i < len(boxes) and boxes[i] is not None:     # torchvision resized_crop: crop, then resize
                    t, l, bh, bw = boxes[i]
                    tensor(img.crop((l, t, l + bw, t + bh)).resize((s, s), Image.BICUBIC)).tofile(f'box{i}.f32')
            """, _dir);
        return _dir;
    }

    static float MaxDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        return max;
    }

    // One level of 8 bits after normalization is 1/255/std ≈ 0.0142; agreement to 1e-6 means the same bytes.
    const float SameBytes = 1e-6f;

    static readonly (int W, int H, int Size)[] Cases =
    [
        (37, 53, 24),     // downscale, portrait
        (37, 53, 100),    // upscale, portrait
        (53, 37, 24),     // downscale, landscape
        (300, 200, 224),  // upscale of the shorter side, the paper's size
        (300, 200, 64),   // strong downscale (wide antialiasing support)
        (62, 45, 45),     // no resize; the crop offset 8.5 rounds half to even
        (45, 45, 45),     // identity
    ];

    [Fact]
    public void Evaluation_matches_pil_bicubic_resize_and_torchvision_center_crop()
    {
        var dir = Oracle(Cases);
        for (int i = 0; i < Cases.Length; i++)
        {
            var (w, h, s) = Cases[i];
            var image = ImageDecoding.Decode(Path.Combine(dir, $"image{i}.png"));
            var clip = new ClipPreprocessing(s);
            Assert.Equal([3L, s, s], clip.OutputShape);
            var actual = new float[3 * s * s];
            clip.Evaluation(image, actual);
            float max = MaxDifference(PythonOracle.Floats(Path.Combine(dir, $"eval{i}.f32")), actual);
            Assert.True(max <= SameBytes, $"{w}×{h} → {s}: largest difference from PIL {max}");
        }
    }

    [Fact]
    public void A_crop_box_covering_the_image_is_the_plain_bicubic_resize()
    {
        var dir = Oracle(Cases);
        for (int i = 0; i < Cases.Length; i++)
        {
            var (w, h, s) = Cases[i];
            var image = ImageDecoding.Decode(Path.Combine(dir, $"image{i}.png"));
            var actual = new float[3 * s * s];
            new ClipPreprocessing(s).ResizedCrop(image, new CropBox(0, 0, h, w), actual);
            float max = MaxDifference(PythonOracle.Floats(Path.Combine(dir, $"whole{i}.f32")), actual);
            Assert.True(max <= SameBytes, $"{w}×{h} → {s}×{s}: largest difference from PIL {max}");
        }
    }

    [Fact]
    public void Training_crops_are_what_pil_gives_for_the_sampled_box()
    {
        (int W, int H, int Size)[] cases = [(80, 70, 32), (64, 64, 224), (200, 20, 16)];
        var boxes = cases.Select((c, i) => (CropBox?)new ClipPreprocessing(c.Size).SampleCrop(c.W, c.H, (ulong)i + 7))
            .ToArray();
        var dir = Oracle(cases, boxes);
        for (int i = 0; i < cases.Length; i++)
        {
            var (w, h, s) = cases[i];
            var image = ImageDecoding.Decode(Path.Combine(dir, $"image{i}.png"));
            var actual = new float[3 * s * s];
            new ClipPreprocessing(s).Training(image, (ulong)i + 7, actual);
            float max = MaxDifference(PythonOracle.Floats(Path.Combine(dir, $"box{i}.f32")), actual);
            Assert.True(max <= SameBytes, $"{w}×{h}, box {boxes[i]}: largest difference from PIL {max}");
        }
    }

    [Fact]
    public void Training_is_seeded()
    {
        var pixels = new byte[90 * 70 * 3];
        new Random(1).NextBytes(pixels);
        var image = new RgbImage(90, 70, pixels);
        var clip = new ClipPreprocessing(32);
        float[] Run(ulong seed)
        {
            var x = new float[3 * 32 * 32];
            clip.Training(image, seed, x);
            return x;
        }
        Assert.Equal(Run(5), Run(5));
        Assert.NotEqual(Run(5), Run(6));
        Assert.NotEqual(clip.SampleCrop(90, 70, 5), clip.SampleCrop(90, 70, 6));
    }

    [Theory]
    [InlineData(256, 256)]
    [InlineData(240, 200)]
    [InlineData(500, 375)]
    public void Sampled_crops_keep_torchvision_s_scale_and_ratio_ranges(int width, int height)
    {
        var clip = new ClipPreprocessing();
        double area = (double)width * height;
        var scales = new List<double>();
        var ratios = new List<double>();
        int fallbacks = 0;
        for (ulong seed = 0; seed < 3000; seed++)
        {
            var b = clip.SampleCrop(width, height, seed);
            Assert.True(b.Top >= 0 && b.Left >= 0 && b.Top + b.Height <= height && b.Left + b.Width <= width,
                $"seed {seed}: {b} outside the {width}×{height} image");
            if (b == Fallback(width, height)) { fallbacks++; continue; }
            // w and h are rounded from √(target·ratio) and √(target/ratio): each within half a pixel
            Assert.True((b.Width + 0.5) * (b.Height + 0.5) >= 0.9 * area && (b.Width - 0.5) * (b.Height - 0.5) <= area,
                $"seed {seed}: {b} is not 90–100 % of the image area");
            Assert.True((b.Width + 0.5) / (b.Height - 0.5) >= 3.0 / 4 && (b.Width - 0.5) / (b.Height + 0.5) <= 4.0 / 3,
                $"seed {seed}: {b} has an aspect ratio outside [3/4, 4/3]");
            scales.Add(b.Width * b.Height / area);
            ratios.Add((double)b.Width / b.Height);
        }
        // closed form: one attempt is accepted when ratio ∈ [t/(H+½)², (W+½)²/t] ∩ [3/4, 4/3] (the rounded sides
        // fit); its log-uniform probability, averaged over t = area·u, u ~ U(0.9, 1), is p; ten attempts fail with
        // (1 − p)^10.
        double p = 0;
        const int steps = 20000;
        for (int k = 0; k < steps; k++)
        {
            double t = area * (0.9 + 0.1 * (k + 0.5) / steps);
            double lo = Math.Max(Math.Log(3.0 / 4), Math.Log(t / ((height + 0.5) * (height + 0.5))));
            double hi = Math.Min(Math.Log(4.0 / 3), Math.Log((width + 0.5) * (width + 0.5) / t));
            p += Math.Max(0, hi - lo) / Math.Log(16.0 / 9) / steps;
        }
        double expected = 3000 * Math.Pow(1 - p, 10), sigma = Math.Sqrt(expected * (1 - expected / 3000));
        Assert.True(Math.Abs(fallbacks - expected) <= 4 * sigma + 1,
            $"{fallbacks} of 3000 draws fell back to the center crop; torchvision's rule gives " +
            $"{expected:F0} ± {sigma:F0}");
        Assert.True(scales.Max() - scales.Min() > 0.06, "the area fractions do not spread over [0.9, 1]");
        Assert.True(ratios.Min() < 0.99 * width / height || ratios.Max() > 1.01 * width / height);
    }

    // torchvision's fallback, computed by hand for the cases below
    static CropBox Fallback(int width, int height) => (width, height) switch
    {
        (256, 256) => new CropBox(0, 0, 256, 256),
        (240, 200) => new CropBox(0, 0, 200, 240),
        (500, 375) => new CropBox(0, 0, 375, 500),
        _ => throw new ArgumentException("no hand-computed fallback"),
    };

    [Fact]
    public void Images_too_elongated_for_any_crop_fall_back_to_torchvision_s_center_crop()
    {
        var clip = new ClipPreprocessing(16);
        // wide 200×20: h = 20, w = round(20·4/3) = 27, left = (200 − 27) // 2 = 86
        Assert.Equal(new CropBox(0, 86, 20, 27), clip.SampleCrop(200, 20, 1));
        // tall 20×200: w = 20, h = round(20/(3/4)) = 27, top = 86
        Assert.Equal(new CropBox(86, 0, 27, 20), clip.SampleCrop(20, 200, 1));
        // 300×200 (ratio 1.5): a 90 % crop needs h ≥ √(54000/(4/3)) = 201 > 200 rows, so always the fallback
        // h = 200, w = round(200·4/3) = 267, left = 16
        Assert.Equal(new CropBox(0, 16, 200, 267), clip.SampleCrop(300, 200, 3));
    }

    [Fact]
    public void A_wrong_destination_is_an_error_naming_the_shape()
    {
        var clip = new ClipPreprocessing(8);
        var image = new RgbImage(10, 10, new byte[300]);
        var message = Assert.Throws<ArgumentException>(() => clip.Evaluation(image, new float[10])).Message;
        Assert.Contains("[3, 8, 8]", message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClipPreprocessing(0));
    }
}
