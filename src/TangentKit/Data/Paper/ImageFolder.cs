using TangentKit.Data.Images;

namespace TangentKit.Data.Paper;

/// <summary>
/// Images listed as files with a class index each, decoded on demand by a caller-supplied decoder (thread-safe when
/// the decoder is): what every folder layout of the paper's datasets becomes.
/// </summary>
public sealed class FileListSource : IImageSource
{
    readonly Func<string, RgbImage> _decoder;

    /// <summary>
    /// Wraps <paramref name="files"/> and their <paramref name="labels"/>; <paramref name="decoder"/> turns a path into
    /// an image and may be called from several threads at once.
    /// </summary>
    public FileListSource(string description, IReadOnlyList<string> files, long[] labels,
        Func<string, RgbImage> decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (files.Count != labels.Length)
            throw new ArgumentException($"{description}: {files.Count} files but {labels.Length} labels.",
                nameof(labels));
        (Description, Files, Labels, _decoder) = (description, files, labels, decoder);
    }

    /// <summary>What and where the images are, e.g. <c>dtd/train under /data (3760 images)</c>.</summary>
    public string Description { get; }

    /// <summary>The image files in label-table order (full paths).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Number of images.</summary>
    public int Count => Files.Count;

    /// <summary>Class index of every image.</summary>
    public long[] Labels { get; }

    /// <summary>Decodes image <paramref name="index"/>; a failure names the file.</summary>
    public RgbImage Decode(long index)
    {
        if (index < 0 || index >= Count)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"{Description}: index outside 0..{Count - 1}.");
        var path = Files[(int)index];
        try { return _decoder(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: could not be decoded as an image ({e.Message}).", e);
        }
    }
}

/// <summary>
/// torchvision's <c>ImageFolder</c> rule, which the paper's readers use: the classes are the sub-folders of a root in
/// ordinal (code-point) order, the images of a class every accepted file below its folder (nested folders included),
/// visited in the order of the sorted folder paths, then sorted file names.
/// </summary>
public static class ImageFolder
{
    /// <summary>The file extensions torchvision's <c>ImageFolder</c> accepts (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> ImageExtensions =
        [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    /// <summary>The class folder names of <paramref name="root"/> in label order (ordinal sort).</summary>
    public static IReadOnlyList<string> Classes(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: folder not found.");
        return Directory.GetDirectories(root).Select(Path.GetFileName).Select(n => n!)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Reads <paramref name="root"/> as an image folder: class folders, and in each the files that
    /// <paramref name="accept"/> (default: an extension of <see cref="ImageExtensions"/>) in torchvision's order. A
    /// class folder without any accepted file is an error naming it, as in torchvision.
    /// </summary>
    public static (FileListSource Source, IReadOnlyList<string> Classes) Read(string root, string description,
        Func<string, RgbImage> decoder, Func<string, bool>? accept = null)
    {
        accept ??= HasImageExtension;
        var classes = Classes(root);
        if (classes.Count == 0) throw new InvalidDataException($"{root}: no class folders.");
        var files = new List<string>();
        var labels = new List<long>();
        var empty = new List<string>();
        for (int c = 0; c < classes.Count; c++)
        {
            int before = files.Count;
            var classRoot = Path.Combine(root, classes[c]);
            // torchvision: sorted(os.walk(class folder)) sorts by the folder path string, then each folder's files.
            var folders = new List<string> { classRoot };
            folders.AddRange(Directory.GetDirectories(classRoot, "*", SearchOption.AllDirectories));
            foreach (var folder in folders.Order(StringComparer.Ordinal))
                foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
                    if (accept(file)) { files.Add(file); labels.Add(c); }
            if (files.Count == before) empty.Add(classes[c]);
        }
        if (empty.Count > 0)
            throw new InvalidDataException($"{root}: no image files in the class folder(s) " +
                $"{string.Join(", ", empty.Take(5))}{(empty.Count > 5 ? $" and {empty.Count - 5} more" : "")}.");
        return (new FileListSource($"{description} ({files.Count} images)", files, labels.ToArray(), decoder),
            classes);
    }

    /// <summary>True when <paramref name="path"/> ends with one of <see cref="ImageExtensions"/>.</summary>
    public static bool HasImageExtension(string path) =>
        ImageExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));
}
