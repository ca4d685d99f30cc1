using TangentKit.Data.Images;

namespace TangentKit.Data.Readers;

/// <summary>
/// SVHN cropped digits (format 2) in torchvision's layout, <c>&lt;root&gt;/svhn/{split}_32x32.mat</c>: X uint8
/// [32, 32, 3, N] (row, column, channel, image), y double [N, 1] with label 10 for the digit 0, mapped to 0 as
/// torchvision does. The whole split is held in memory (73,257 training images: 225 MB).
/// </summary>
public sealed class SvhnSource : IImageSource
{
    readonly byte[] _pixels;
    readonly int _height, _width;

    /// <summary>Reads split <paramref name="split"/> (<c>train</c>, <c>test</c> or <c>extra</c>) under the data
    /// <paramref name="root"/>.</summary>
    public SvhnSource(string root, string split)
    {
        if (split is not ("train" or "test" or "extra"))
            throw new ArgumentException($"SVHN split must be 'train', 'test' or 'extra'; got '{split}'.",
                nameof(split));
        var path = Path.Combine(root, "svhn", $"{split}_32x32.mat");
        if (!File.Exists(path))
            throw new FileNotFoundException($"SVHN: expected {path} (the '{split}_32x32.mat' file of the SVHN " +
                $"cropped-digits format 2; torchvision.datasets.SVHN(root, split='{split}', download=True) puts it " +
                "there).", path);
        var mat = MatFile.Read(path);
        var x = mat.Get<MatNumeric>("X");
        var y = mat.Get<MatNumeric>("y");
        if (x.Class != MatClass.UInt8 || x.Dims.Count != 4 || x.Dims[2] != 3)
            throw new InvalidDataException($"{path}: X must be uint8 [H, W, 3, N]; got {x.Class} {x.Shape}.");
        (_height, _width, Count) = (x.Dims[0], x.Dims[1], x.Dims[3]);
        if (y.Count != Count)
            throw new InvalidDataException($"{path}: y has {y.Count} labels {y.Shape} for {Count} images in X.");
        Labels = new long[Count];
        var raw = y.ToDoubles();
        for (int i = 0; i < Count; i++)
        {
            if (raw[i] is < 1 or > 10 || raw[i] != Math.Floor(raw[i]))
                throw new InvalidDataException(
                    $"{path}: y[{i}] = {raw[i]}; SVHN labels are 1..10 (10 is the digit 0).");
            Labels[i] = (long)raw[i] % 10;
        }
        _pixels = x.Bytes;
        Description = $"svhn/{split}_32x32.mat under {root} ({Count} images)";
    }

    /// <summary>"0" … "9".</summary>
    public IReadOnlyList<string> ClassNames => Sources.Digits;

    /// <summary>The file and image count.</summary>
    public string Description { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Digit of every image (0–9).</summary>
    public long[] Labels { get; }

    /// <summary>Image <paramref name="index"/>, gathered from X's column-major [row, column, channel, image].</summary>
    public RgbImage Decode(long index)
    {
        Sources.CheckIndex(index, Count, Description);
        int plane = _height * _width;
        long offset = index * 3 * plane;
        var rgb = new byte[plane * 3];
        for (int r = 0; r < _height; r++)
            for (int c = 0; c < _width; c++)
                for (int ch = 0; ch < 3; ch++)
                    rgb[(r * _width + c) * 3 + ch] = _pixels[offset + ch * plane + c * _height + r];
        return new RgbImage(_width, _height, rgb);
    }
}

/// <summary>
/// MNIST in torchvision's raw layout, <c>&lt;root&gt;/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte</c>
/// (plain or <c>.gz</c>); gray replicated to RGB, as PIL's <c>convert("RGB")</c> of torchvision's "L" images.
/// </summary>
public sealed class MnistSource : IImageSource
{
    readonly byte[] _pixels;
    readonly int _height, _width;

    /// <summary>Reads the training (60,000) or test (10,000) split under <paramref name="root"/>.</summary>
    public MnistSource(string root, bool train)
    {
        var prefix = train ? "train" : "t10k";
        var images = Find(root, $"{prefix}-images-idx3-ubyte", train);
        var labels = Find(root, $"{prefix}-labels-idx1-ubyte", train);
        var (dims, pixels) = IdxReader.Read(images);
        if (dims.Length != 3)
            throw new InvalidDataException(
                $"{images}: dimensions [{string.Join(",", dims)}]; expected [N, rows, cols].");
        var (labelDims, labelBytes) = IdxReader.Read(labels);
        if (labelDims.Length != 1 || labelDims[0] != dims[0])
            throw new InvalidDataException($"{labels}: dimensions [{string.Join(",", labelDims)}]; expected " +
                $"[{dims[0]}] (one label per image of {images}).");
        (Count, _height, _width, _pixels) = (dims[0], dims[1], dims[2], pixels);
        Labels = new long[Count];
        for (int i = 0; i < Count; i++)
        {
            if (labelBytes[i] > 9)
                throw new InvalidDataException($"{labels}: label {i} is {labelBytes[i]}; MNIST labels are 0..9.");
            Labels[i] = labelBytes[i];
        }
        Description = $"MNIST/raw/{prefix} under {root} ({Count} images)";
    }

    static string Find(string root, string name, bool train)
    {
        var path = Path.Combine(root, "MNIST", "raw", name);
        if (File.Exists(path)) return path;
        if (File.Exists(path + ".gz")) return path + ".gz";
        throw new FileNotFoundException($"MNIST: expected {path} (or {name}.gz there), the '{name}' file of the " +
            $"MNIST distribution; torchvision.datasets.MNIST(root, train={(train ? "True" : "False")}, " +
            "download=True) puts it there.", path);
    }

    /// <summary>"0" … "9".</summary>
    public IReadOnlyList<string> ClassNames => Sources.Digits;

    /// <summary>The files and image count.</summary>
    public string Description { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Digit of every image.</summary>
    public long[] Labels { get; }

    /// <summary>Image <paramref name="index"/>, gray replicated to R, G and B.</summary>
    public RgbImage Decode(long index)
    {
        Sources.CheckIndex(index, Count, Description);
        int plane = _height * _width;
        var rgb = new byte[plane * 3];
        for (int p = 0; p < plane; p++) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = _pixels[index * plane + p];
        return new RgbImage(_width, _height, rgb);
    }
}

/// <summary>
/// Stanford Cars in torchvision's layout under <c>&lt;root&gt;/stanford_cars</c>: images <c>cars_train/*.jpg</c> or
/// <c>cars_test/*.jpg</c> in the order of their annotation file (<c>devkit/cars_train_annos.mat</c>,
/// <c>cars_test_annos_withlabels.mat</c>; struct array <c>annotations</c>, <c>class</c> 1-based → 0-based, bounding
/// boxes unused as in the paper's code), class names from <c>devkit/cars_meta.mat</c> as they are written there.
/// </summary>
public sealed class StanfordCarsSource : IImageSource
{
    readonly string[] _paths;

    /// <summary>Reads the training (8,144) or test (8,041) split under <paramref name="root"/>.</summary>
    public StanfordCarsSource(string root, bool train)
    {
        var baseFolder = Path.Combine(root, "stanford_cars");
        var meta = Expect(Path.Combine(baseFolder, "devkit", "cars_meta.mat"), "cars_meta.mat of the devkit");
        var annos = train
            ? Expect(Path.Combine(baseFolder, "devkit", "cars_train_annos.mat"), "cars_train_annos.mat of the devkit")
            : Expect(Path.Combine(baseFolder, "cars_test_annos_withlabels.mat"),
                "cars_test_annos_withlabels.mat, the test annotations with labels");
        var folder = Path.Combine(baseFolder, train ? "cars_train" : "cars_test");

        var names = MatFile.Read(meta).Get<MatCell>("class_names");
        ClassNames = [.. names.Elements.Select((e, i) => e as MatChar
            ?? throw new InvalidDataException($"{meta}: class_names[{i}] is a {e.Kind} array; expected char."))
            .Select(c => c.Text)];

        var annotations = MatFile.Read(annos).Get<MatStruct>("annotations");
        foreach (var field in new[] { "class", "fname" })
            if (!annotations.FieldNames.Contains(field))
                throw new InvalidDataException($"{annos}: 'annotations' has fields {string.Join(", ",
                    annotations.FieldNames)}; expected 'class' and 'fname'.");
        Count = (int)annotations.Count;
        Labels = new long[Count];
        _paths = new string[Count];
        for (int i = 0; i < Count; i++)
        {
            var cls = annotations[i, "class"] as MatNumeric;
            if (cls is null || cls.Count != 1)
                throw new InvalidDataException($"{annos}: annotations({i + 1}).class is not a scalar number.");
            double label = cls[0];
            if (label != Math.Floor(label) || label < 1 || label > ClassNames.Count)
                throw new InvalidDataException($"{annos}: annotations({i + 1}).class = {label}; expected 1.." +
                    $"{ClassNames.Count} (the classes of {meta}).");
            Labels[i] = (long)label - 1;
            var fname = annotations[i, "fname"] as MatChar
                ?? throw new InvalidDataException($"{annos}: annotations({i + 1}).fname is not text.");
            _paths[i] = Path.Combine(folder, fname.Text);
        }
        var missing = _paths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Stanford Cars: {missing.Count} of the {Count} images listed in {annos} " +
                $"are missing, e.g. {missing[0]} (the {(train ? "cars_train" : "cars_test")} folder of the dataset " +
                "belongs in " + folder + ").", missing[0]);
        Description = $"stanford_cars/{(train ? "cars_train" : "cars_test")} under {root} ({Count} images)";
    }

    static string Expect(string path, string what) => File.Exists(path) ? path
        : throw new FileNotFoundException($"Stanford Cars: expected {path} ({what}; torchvision's StanfordCars " +
            "layout: cars_train/, cars_test/ and devkit/ from the Stanford Cars archives, and " +
            "cars_test_annos_withlabels.mat, under stanford_cars/).", path);

    /// <summary>The 196 class names in label order, as <c>cars_meta.mat</c> writes them.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The image file of every example, in annotation order.</summary>
    public IReadOnlyList<string> Files => _paths;

    /// <summary>The split and image count.</summary>
    public string Description { get; }

    /// <summary>Number of images.</summary>
    public int Count { get; }

    /// <summary>Class of every image (0-based).</summary>
    public long[] Labels { get; }

    /// <summary>Image <paramref name="index"/>, decoded from its JPEG.</summary>
    public RgbImage Decode(long index)
    {
        Sources.CheckIndex(index, Count, Description);
        return ImageDecoding.Decode(_paths[index]);
    }
}

static class Sources
{
    public static readonly IReadOnlyList<string> Digits = [.. Enumerable.Range(0, 10).Select(d => d.ToString())];

    public static void CheckIndex(long index, int count, string description)
    {
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"{description}: index outside 0..{count - 1}.");
    }
}
