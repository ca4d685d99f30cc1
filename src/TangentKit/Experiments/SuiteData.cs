using TangentKit.Data;
using TangentKit.Data.Fetching;
using TangentKit.Models;

namespace TangentKit.Experiments;

/// <summary>
/// The data and backbone of a preset: the edited tasks, the held-out control task (negation), the network and where its
/// pre-trained θ0 comes from. Mini: MNIST, Fashion-MNIST, 8×8 digits and font letters, control = textures, θ0 = the
/// ImageNet ResNet-18. Tiny: three generated tasks, a generated control, a small ResNet whose θ0 is a seeded
/// initialization.
/// </summary>
public sealed class SuiteData : IDisposable
{
    SuiteData(ResNet model, IReadOnlyList<ImageTask> tasks, ImageTask control, Func<ParameterSet> pretrained)
        => (Model, Tasks, Control, _pretrained) = (model, tasks, control, pretrained);

    readonly Func<ParameterSet> _pretrained;

    /// <summary>The backbone.</summary>
    public ResNet Model { get; }

    /// <summary>The tasks whose vectors are added and negated.</summary>
    public IReadOnlyList<ImageTask> Tasks { get; }

    /// <summary>The held-out control task (never fine-tuned), the analogue of the paper's ImageNet.</summary>
    public ImageTask Control { get; }

    /// <summary>All tasks, edited ones first, control last.</summary>
    public IEnumerable<ImageTask> AllTasks => Tasks.Append(Control);

    /// <summary>The pre-trained θ0 (a fresh copy each call).</summary>
    public ParameterSet PretrainedTheta0() => _pretrained();

    /// <summary>
    /// Fetches (if needed) and builds the preset's data; <paramref name="log"/> receives one line per step.
    /// </summary>
    public static SuiteData Load(Preset preset, string? dataCache = null, Action<string>? log = null) =>
        preset.UsesRealData ? LoadMini(preset, dataCache, log) : LoadTiny(preset);

    static SuiteData LoadTiny(Preset preset)
    {
        var tasks = Enumerable.Range(0,
            3).Select(i => SyntheticTasks.Make(i, 4, preset.Sizes, preset.ImageSize, preset.Seed)).ToList();
        var control = SyntheticTasks.Make(3, 4, preset.Sizes, preset.ImageSize, preset.Seed);
        var model = ResNet.Tiny();
        return new SuiteData(model, tasks, control, () => model.Initialize(preset.Seed + 1));
    }

    static SuiteData LoadMini(Preset preset, string? cache, Action<string>? log)
    {
        string Fetch(string name) => ArtifactFetcher.Fetch(DataManifest.Get(name), cache, log);
        var modelFolder = Fetch("resnet18-imagenet");
        var means = ImageNetPreprocessing.ChannelMeans(Path.Combine(modelFolder, "ResNetPreprocess.onnx"));
        int size = preset.ImageSize;
        var sizes = preset.Sizes;
        long seed = preset.Seed;
        var digits = Enumerable.Range(0, 10).Select(d => d.ToString()).ToList();

        log?.Invoke("building the tasks");
        var mnist = ImageTask.FromPool("mnist", digits, Datasets.Mnist(Fetch("mnist")), null, sizes, seed + 11, size,
            means);
        var (fashionTrain, fashionTest) = Datasets.FashionMnist(Fetch("fashion-mnist"));
        var fashion = ImageTask.FromPool("fashion-mnist", DataManifest.Get("fashion-mnist").Classes, fashionTrain,
            fashionTest, sizes, seed + 12, size, means);
        var optdigits = ImageTask.FromPool("digits-8x8", digits, Datasets.OptDigits(Fetch("optdigits")), null, sizes,
            seed + 13, size, means);
        var letters = Letters(Fetch, sizes, size, means, seed + 14);
        var textures = Textures(Fetch("textures"), sizes, size, means, seed + 15);
        var model = ResNet.ResNet18x();
        var onnx = Path.Combine(modelFolder, "ResNet18.onnx");
        return new SuiteData(model, [mnist, fashion, optdigits, letters], textures,
            () => OnnxResNetImport.Load(onnx, model));
    }

    // Letters A–Z split by font face: test letters come from fonts never seen in support, training or validation.
    static ImageTask Letters(Func<string, string> fetch, SplitSizes sizes, int size, IReadOnlyList<float> means,
        long seed)
    {
        string[] packages = ["fonts-dejavu-core", "fonts-liberation2", "fonts-freefont-ttf", "fonts-urw-base35"];
        var fonts = packages.SelectMany(p =>
        {
            var dir = fetch(p);
            return DataManifest.Get(p).Files.Select(f => Path.Combine(dir, f.Name));
        }).ToList();
        var order = SeededPermutation.Draw(fonts.Count, seed).Select(i => fonts[(int)i]).ToList();
        int test = fonts.Count / 5;
        var classes = Enumerable.Range(0, 26).Select(i => ((char)('A' + i)).ToString()).ToList();
        int fromTrainFonts = sizes.SupportPerClass * classes.Count + sizes.Train + sizes.Validation;
        return ImageTask.FromPool("letters", classes, Datasets.Letters(order[test..], fromTrainFonts, size, seed + 1),
            Datasets.Letters(order[..test], sizes.Test, size, seed + 3), sizes, seed, size, means);
    }

    // Texture patches: support, train and validation from the top half of each photograph, test from the bottom half.
    static ImageTask Textures(string folder, SplitSizes sizes, int size, IReadOnlyList<float> means, long seed)
    {
        var files = new[] { "brick.png", "grass.png", "gravel.png" }.Select(f => Path.Combine(folder, f)).ToList();
        const int downscale = 2, half = 128;
        int fromTop = sizes.SupportPerClass * files.Count + sizes.Train + sizes.Validation;
        return ImageTask.FromPool("textures", ["brick", "grass", "gravel"],
            Datasets.TexturePatches(files, fromTop, size, 0, half, downscale, seed + 1),
            Datasets.TexturePatches(files, sizes.Test, size, half, 2 * half, downscale, seed + 3), sizes, seed, size,
            means);
    }

    /// <summary>Frees every split.</summary>
    public void Dispose()
    {
        foreach (var t in AllTasks) t.Dispose();
    }
}
