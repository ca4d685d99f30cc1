using TangentKit.Data.Images;
using TangentKit.Data.Text;

namespace TangentKit.Data.Paper;

/// <summary>Some images of a source, by index: one split of a paper task (train, validation or test).</summary>
public sealed record ImageSplit(IImageSource Source, IReadOnlyList<long> Indices)
{
    /// <summary>Every image of <paramref name="source"/>, in order.</summary>
    public static ImageSplit All(IImageSource source)
    {
        var all = new long[source.Count];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return new(source, all);
    }

    /// <summary>Number of images in the split.</summary>
    public int Count => Indices.Count;

    /// <summary>The split as streamed data, decoded on demand through <paramref name="transform"/>.</summary>
    public LabeledData Stream(IImageTransform transform, int workers = 0) =>
        LabeledData.Streamed(Source, Indices, transform, workers);
}

/// <summary>
/// One of the paper's tasks on disk: its zero-shot class names (label order) and its train / validation / test
/// splits. <see cref="RegisteredValidation"/> tells whether the validation images are a split of their own (EuroSAT)
/// or held out of the training pool by <see cref="ValidationSplit"/>.
/// </summary>
public sealed record PaperTask(string Name, string Title, IReadOnlyList<string> Classes, ImageSplit Train,
    ImageSplit Validation, ImageSplit Test, bool RegisteredValidation);

/// <summary>
/// The datasets of the paper (research/paper.md §3.5) read from their folder layouts under one data root, as the
/// reference code reads them: class order is torchvision <c>ImageFolder</c>'s (sorted folder names), class names are
/// the zero-shot heads' (<see cref="ZeroShotPrompts"/>), and the validation split is EuroSAT's <c>val</c> folder or
/// <see cref="ValidationSplit"/> of the training pool (the kit's seeded permutation, so sizes match the paper but the
/// chosen images are not PyTorch's). Cars, MNIST and SVHN are not folders of images: their readers are passed in.
/// Missing data is an error naming the expected path and how to obtain it (<see cref="PaperDatasetManifest"/>).
/// </summary>
public static class PaperDatasets
{
    /// <summary>The eight fine-tuned tasks of the paper, in its order.</summary>
    public static readonly IReadOnlyList<string> Tasks =
        ["cars", "dtd", "eurosat", "gtsrb", "mnist", "resisc45", "sun397", "svhn"];

    /// <summary>The control task of the negation experiments (evaluated only).</summary>
    public const string Control = "imagenet";

    /// <summary>
    /// Opens task <paramref name="task"/> (one of <see cref="Tasks"/> or <see cref="Control"/>) under
    /// <paramref name="root"/>. <paramref name="decoder"/> decodes an image file (JPEG, PNG, PPM) and must be
    /// thread-safe; <paramref name="cars"/>, <paramref name="mnist"/> and <paramref name="svhn"/> build those tasks'
    /// sources from (root, train?) and are needed only for their task.
    /// </summary>
    /// <example>
    /// <code>
    /// var dtd = PaperDatasets.Open("dtd", "/data", decoder);
    /// using var train = dtd.Train.Stream(transform);          // 3,384 images decoded on demand
    /// using var validation = dtd.Validation.Stream(transform); // 376 held out of dtd/train
    /// </code>
    /// </example>
    public static PaperTask Open(string task, string root, Func<string, RgbImage> decoder,
        Func<string, bool, IImageSource>? cars = null, Func<string, bool, IImageSource>? mnist = null,
        Func<string, bool, IImageSource>? svhn = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(root);
        var name = task.ToLowerInvariant();
        if (!Tasks.Contains(name) && name != Control)
            throw new ArgumentException(
                $"unknown paper task '{task}'; expected one of {string.Join(", ", Tasks)} or {Control}.", nameof(task));
        var layout = new Layout(name, root, decoder, ZeroShotPrompts.Get(name).Classes, PaperDatasetManifest.Get(name));
        if (!Directory.Exists(root)) throw layout.Missing(root, "the data root");
        IImageSource train, test;
        IImageSource? validation = null;
        switch (name)
        {
            case "cars": (train, test) = layout.FromReader(cars, nameof(cars)); break;
            case "mnist": (train, test) = layout.FromReader(mnist, nameof(mnist)); break;
            case "svhn": (train, test) = layout.FromReader(svhn, nameof(svhn)); break;
            case "dtd":
                (train, test) = layout.Folders("dtd/train", "dtd/val", f => f.Replace('_', ' ')); break;
            case "sun397":
                (train, test) = layout.Folders("sun397/train", "sun397/val",
                    f => f.Length > 2 ? f[2..].Replace('_', ' ') : f); break;
            case "eurosat":
                (train, test) = layout.Folders("EuroSAT_splits/train", "EuroSAT_splits/test", null);
                validation = layout.Folder("EuroSAT_splits/val", null, null).Source;
                break;
            case "gtsrb": (train, test) = Gtsrb(layout); break;
            case "resisc45": (train, test) = Resisc45(layout); break;
            default:
                var imagenetTest = Directory.Exists(Path.Combine(root, "imagenet", "val_in_folder"))
                    ? "imagenet/val_in_folder" : "imagenet/val";
                (train, test) = layout.Folders("imagenet/train", imagenetTest, null);
                break;
        }
        ImageSplit trainSplit, validationSplit;
        if (validation is not null)
            (trainSplit, validationSplit) = (ImageSplit.All(train), ImageSplit.All(validation));
        else
        {
            var (t, v) = ValidationSplit.Draw(train.Count);
            (trainSplit, validationSplit) = (new ImageSplit(train, t), new ImageSplit(train, v));
        }
        return new PaperTask(name, layout.Manifest.Title, layout.Classes, trainSplit, validationSplit,
            ImageSplit.All(test), RegisteredValidation: validation is not null);
    }

    // GTSRB: training images in 43 class folders (ppm only, the per-class csv ignored); test images listed with their
    // class ids in GT-final_test.csv (semicolon-separated, with a header row).
    static (IImageSource, IImageSource) Gtsrb(Layout layout)
    {
        var (train, _) = layout.Folder("gtsrb/GTSRB/Training", null,
            f => f.EndsWith(".ppm", StringComparison.OrdinalIgnoreCase));
        var images = layout.Require("gtsrb/GTSRB/Final_Test/Images", directory: true);
        var csv = layout.Require("gtsrb/GT-final_test.csv", directory: false);
        var lines = File.ReadAllLines(csv);
        if (lines.Length == 0)
            throw new InvalidDataException($"{csv}: empty; expected a header row and one row per image.");
        var header = lines[0].Split(';').Select(c => c.Trim()).ToList();
        int fileColumn = header.IndexOf("Filename"), classColumn = header.IndexOf("ClassId");
        if (fileColumn < 0 || classColumn < 0)
            throw new InvalidDataException($"{csv}: the header must name the columns Filename and ClassId; " +
                $"found {string.Join(";", header)}.");
        var present = Directory.GetFiles(images).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        var files = new List<string>();
        var labels = new List<long>();
        for (int row = 1; row < lines.Length; row++)
        {
            if (lines[row].Trim().Length == 0) continue;
            var cells = lines[row].Split(';').Select(c => c.Trim()).ToArray();
            if (cells.Length != header.Count)
                throw new InvalidDataException(
                    $"{csv}: line {row + 1} has {cells.Length} columns, the header {header.Count}.");
            if (!long.TryParse(cells[classColumn], out long label) || label < 0 || label >= layout.Classes.Count)
                throw new InvalidDataException($"{csv}: line {row + 1}: ClassId '{cells[classColumn]}' is not a " +
                    $"class index in 0..{layout.Classes.Count - 1}.");
            if (!present.Contains(cells[fileColumn]))
                throw new FileNotFoundException($"{csv}: line {row + 1} lists {cells[fileColumn]}, which is not in " +
                    $"{images}.", Path.Combine(images, cells[fileColumn]));
            files.Add(Path.Combine(images, cells[fileColumn]));
            labels.Add(label);
        }
        if (files.Count == 0) throw new InvalidDataException($"{csv}: lists no test images.");
        var test = new FileListSource($"gtsrb/GTSRB/Final_Test/Images under {layout.Root} ({files.Count} images)",
            files, labels.ToArray(), layout.Decoder);
        return (train, test);
    }

    // RESISC45: one folder of 45 class folders, split by the file-name lists resisc45-{train,test}.txt.
    static (IImageSource, IImageSource) Resisc45(Layout layout)
    {
        HashSet<string> List(string split)
        {
            var path = layout.Require($"resisc45/resisc45-{split}.txt", directory: false);
            var names = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)
                .ToHashSet(StringComparer.Ordinal);
            if (names.Count == 0) throw new InvalidDataException($"{path}: lists no file names.");
            return names;
        }
        HashSet<string> trainNames = List("train"), testNames = List("test");
        var train = layout.Folder("resisc45/NWPU-RESISC45", f => f.Replace('_', ' '),
            f => trainNames.Contains(Path.GetFileName(f)), "resisc45-train.txt").Source;
        var test = layout.Folder("resisc45/NWPU-RESISC45", f => f.Replace('_', ' '),
            f => testNames.Contains(Path.GetFileName(f)), "resisc45-test.txt").Source;
        return (train, test);
    }

    // One task's checks against its manifest and zero-shot class names.
    sealed record Layout(string Name, string Root, Func<string, RgbImage> Decoder, IReadOnlyList<string> Classes,
        PaperDatasetManifest Manifest)
    {
        public IOException Missing(string path, string what, bool file = false)
        {
            var message = $"{Manifest.Title}: expected {what} at {path} (under the data root {Root}). {Hint}";
            return file ? new FileNotFoundException(message, path) : new DirectoryNotFoundException(message);
        }

        // The manifest's sentence on how to obtain and lay out the data, with this root filled in.
        public string Hint => Manifest.Missing.Replace("<root>", Root);

        public string Require(string relative, bool directory)
        {
            var path = Path.Combine(Root, relative);
            if (directory ? !Directory.Exists(path) : !File.Exists(path))
                throw Missing(path, directory ? "the folder" : "the file", file: !directory);
            return path;
        }

        public (IImageSource, IImageSource) Folders(string train, string test, Func<string, string>? className)
        {
            var a = Folder(train, className, null);
            var b = Folder(test, className, null);
            return (a.Source, b.Source);
        }

        // An image folder whose class folders must match the head: their count always, their names where the paper
        // derives the head's names from them (className).
        public (IImageSource Source, IReadOnlyList<string> Folders) Folder(string relative,
            Func<string, string>? className, Func<string, bool>? accept, string? filter = null)
        {
            var path = Path.Combine(Root, relative);
            if (!Directory.Exists(path)) throw Missing(path, $"{Classes.Count} class folders");
            var folders = ImageFolder.Classes(path);
            if (folders.Count != Classes.Count)
                throw new InvalidDataException($"{Manifest.Title}: {path} has {folders.Count} class folders " +
                    $"({string.Join(", ", folders.Take(4))}{(folders.Count > 4 ? ", …" : "")}); the paper's head " +
                    $"has {Classes.Count} classes. {Hint}");
            if (className is not null)
                for (int c = 0; c < folders.Count; c++)
                    if (className(folders[c]) != Classes[c])
                        throw new InvalidDataException($"{Manifest.Title}: class folder {c} of {path} is " +
                            $"'{folders[c]}', which names class '{className(folders[c])}'; the head's class {c} is " +
                            $"'{Classes[c]}'. {Hint}");
            var description = $"{relative}{(filter is null ? "" : $" filtered by {filter}")} under {Root}";
            var (source, _) = ImageFolder.Read(path, description, Decoder, accept);
            return (source, folders);
        }

        public (IImageSource, IImageSource) FromReader(Func<string, bool, IImageSource>? reader, string parameter)
        {
            if (reader is null)
                throw new ArgumentException($"{Manifest.Title} is not a folder of images: pass its reader as " +
                    $"'{parameter}' (a function of the data root and train/test).", parameter);
            return (Checked(reader(Root, true), "train"), Checked(reader(Root, false), "test"));
        }

        IImageSource Checked(IImageSource source, string split)
        {
            if (source.Count == 0 || source.Labels.Length != source.Count)
                throw new InvalidDataException($"{Manifest.Title} {split} ({source.Description}): " +
                    $"{source.Count} images and {source.Labels.Length} labels.");
            int bad = Array.FindIndex(source.Labels, l => l < 0 || l >= Classes.Count);
            if (bad >= 0)
                throw new InvalidDataException($"{Manifest.Title} {split} ({source.Description}): image {bad} has " +
                    $"label {source.Labels[bad]}, outside the head's classes 0..{Classes.Count - 1}.");
            return source;
        }
    }
}
