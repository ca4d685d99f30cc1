using TangentKit.Data;
using TangentKit.Data.Fetching;
using TangentKit.Models;

namespace TangentKit.Experiments;

/// <summary>
/// The data and backbone of a preset: the edited tasks, the held-out control task (negation), the network and where its
/// pre-trained θ0 comes from. Mini: MNIST, Fashion-MNIST, 8×8 digits, font letters, emoji by Unicode group and
/// playing-card suits; control = patches of natural photographs; θ0 = the ImageNet ResNet-18. Tiny: three generated
/// tasks (two on one input domain), a generated control, a small ResNet whose θ0 is a seeded
/// initialization.
/// </summary>
public sealed partial class SuiteData : IDisposable
{
    SuiteData(IFunctionalModel model, IReadOnlyList<ImageTask> tasks, ImageTask control, IReadOnlyList<TaskPair> pairs,
        Func<ParameterSet> pretrained, IReadOnlyDictionary<string, FrozenHead>? textHeads = null,
        IDisposable? owned = null)
        => (Model, Tasks, Control, DisentanglementPairs, _pretrained, TextHeads, _owned) =
            (model, tasks, control, pairs, pretrained, textHeads, owned);

    readonly Func<ParameterSet> _pretrained;
    readonly IDisposable? _owned;

    /// <summary>The backbone.</summary>
    public IFunctionalModel Model { get; }

    /// <summary>
    /// The zero-shot text head of every task (edited and control) when the preset has them (paper: CLIP's text
    /// tower); null: heads are prototypes of θ0's features over each task's support split.
    /// </summary>
    public IReadOnlyDictionary<string, FrozenHead>? TextHeads { get; }

    /// <summary>The tasks whose vectors are added and negated.</summary>
    public IReadOnlyList<ImageTask> Tasks { get; }

    /// <summary>The held-out control task (never fine-tuned), the analogue of the paper's ImageNet.</summary>
    public ImageTask Control { get; }

    /// <summary>
    /// The task pairs of the ξ maps and NTK kernels (Figures 3–5): the overlapping pair (one input domain, the negative
    /// control of disentanglement) first, then pairs of distinct domains.
    /// </summary>
    public IReadOnlyList<TaskPair> DisentanglementPairs { get; }

    /// <summary>All tasks, edited ones first, control last.</summary>
    public IEnumerable<ImageTask> AllTasks => Tasks.Append(Control);

    /// <summary>The pre-trained θ0 (a fresh copy each call).</summary>
    public ParameterSet PretrainedTheta0() => _pretrained();

    /// <summary>
    /// Fetches (if needed) and builds the preset's data; <paramref name="log"/> receives one line per step. The paper
    /// preset reads <paramref name="paper"/> and builds its zero-shot heads on <paramref name="device"/>.
    /// </summary>
    public static SuiteData Load(Preset preset, string? dataCache = null, Action<string>? log = null,
        PaperInputs? paper = null, TorchSharp.torch.Device? device = null) =>
        preset.ClipModel is not null
            ? LoadPaper(preset, paper ?? throw new ArgumentException(
                $"preset {preset.Name} needs PaperInputs (the CLIP weights and the datasets).", nameof(paper)),
                dataCache, log, device ?? TorchSharp.torch.CPU)
        : preset.UsesRealData ? LoadMini(preset, dataCache, log) : LoadTiny(preset);

    static SuiteData LoadTiny(Preset preset)
    {
        // synthetic-2 is drawn on synthetic-0's input domain: the tiny suite's overlapping pair.
        var tasks = Enumerable.Range(0, 3).Select(i => SyntheticTasks.Make(i, 4, preset.Sizes, preset.ImageSize,
            preset.Seed, domain: i == 2 ? 0 : null)).ToList();
        var control = SyntheticTasks.Make(3, 4, preset.Sizes, preset.ImageSize, preset.Seed);
        var model = ResNet.Tiny();
        TaskPair[] pairs = [new("synthetic-0", "synthetic-2", Overlapping: true), new("synthetic-0", "synthetic-1")];
        return new SuiteData(model, tasks, control, pairs, () => model.Initialize(preset.Seed + 1));
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
        log?.Invoke("rendering the color tasks (emoji, playing cards)");
        var (emojiPool, emojiTest) = ColorDatasets.EmojiGroups(Fetch("fonts-noto-color-emoji"),
            Fetch("emoji-datasource-twitter"), RenderPixels, maxPerClass: int.MaxValue, seed + 16);
        var emoji = ImageTask.FromPool("emoji-groups", ColorDatasets.EmojiGroupClasses, emojiPool, emojiTest, sizes,
            seed + 16, size, means);
        var (cardPool, cardTest) = ColorDatasets.CardSuits(Fetch("gnome-cards-data"), Fetch("kdegames-card-data-kf5"),
            RenderPixels);
        var cards = ImageTask.FromPool("card-suits", ColorDatasets.CardSuitClasses, cardPool, cardTest, sizes,
            seed + 17, size, means);
        var control = PhotoPatches(Fetch("photo-patches"), sizes, size, means, seed + 18);
        var model = ResNet.ResNet18x();
        var onnx = Path.Combine(modelFolder, "ResNet18.onnx");
        // The overlapping pair (two digit tasks, one input domain) first, then pairs across domains.
        TaskPair[] pairs =
        [
            new("mnist", "digits-8x8", Overlapping: true), new("mnist", "emoji-groups"),
            new("fashion-mnist", "card-suits"), new("letters", "emoji-groups"),
        ];
        return new SuiteData(model, [mnist, fashion, optdigits, letters, emoji, cards], control, pairs,
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

    // Emoji and cards are drawn at this size and resized to the preset's resolution like every other task.
    const int RenderPixels = 64;

    // The control: patches of natural photographs (one class per photo), the analogue of the paper's ImageNet.
    // Support, train and validation patches come from the top half of each photo, test patches from the bottom half.
    static ImageTask PhotoPatches(string folder, SplitSizes sizes, int size, IReadOnlyList<float> means, long seed)
    {
        var photos = ColorDatasets.Photos;
        int perClass = sizes.SupportPerClass + (sizes.Train + sizes.Validation + photos.Count - 1) / photos.Count;
        int testPerClass = (sizes.Test + photos.Count - 1) / photos.Count;
        var (pool, test) = ColorDatasets.PhotoPatches(folder, photos, perClass, testPerClass, patch: 32,
            shortSide: 128, seed);
        var classes = photos.Select(Path.GetFileNameWithoutExtension).Select(n => n!).ToList();
        return ImageTask.FromPool("photo-patches", classes, pool, test, sizes, seed, size, means);
    }

    /// <summary>Frees every split, the text heads and the host copy of θ0.</summary>
    public void Dispose()
    {
        foreach (var t in AllTasks) t.Dispose();
        foreach (var h in TextHeads?.Values ?? []) h.Dispose();
        _owned?.Dispose();
    }
}
