using TangentKit.Data;
using TangentKit.Data.Fetching;
using TangentKit.Data.Images;
using TangentKit.Data.Paper;
using TangentKit.Data.Readers;
using TangentKit.Data.Text;
using TangentKit.IO;
using TangentKit.Models;
using static TorchSharp.torch;

namespace TangentKit.Experiments;

public sealed partial class SuiteData
{
    // The paper preset: CLIP's image tower as θ0, its text tower's zero-shot heads, the eight tasks and ImageNet
    // streamed from disk through CLIP's preprocessing (research/paper.md §3). Heads are built on `device` once per
    // checkpoint and task and cached under the kit's cache folder.
    static SuiteData LoadPaper(Preset preset, PaperInputs paper, string? cache, Action<string>? log, Device device)
    {
        // The paper's three models are checked against the checkpoint; any other name takes the tower it holds.
        VisionTransformer? expected = preset.ClipModel switch
        {
            "ViT-B-32" => VisionTransformer.ViTB32(),
            "ViT-B-16" => VisionTransformer.ViTB16(),
            "ViT-L-14" => VisionTransformer.ViTL14(),
            _ => null,
        };
        log?.Invoke($"opening the datasets under {paper.DataRoot}");
        var transform = new ClipPreprocessing(preset.ImageSize);
        ImageTask Open(string name)
        {
            var task = OpenPaperTask(name, paper.DataRoot);
            var none = new LabeledData(empty([0, .. transform.OutputShape], device: CPU),
                empty([0], dtype: ScalarType.Int64, device: CPU));
            log?.Invoke($"{name}: {task.Train.Count} train, {task.Validation.Count} validation, {task.Test.Count} " +
                $"test images, {task.Classes.Count} classes");
            return new ImageTask(name, task.Classes, none, task.Train.Stream(transform),
                task.Validation.Stream(transform), task.Test.Stream(transform)) { IsColor = true };
        }
        var tasks = PaperDatasets.Tasks.Select(Open).ToList();
        var control = Open(PaperDatasets.Control);

        log?.Invoke($"reading {paper.Weights}");
        var clip = ClipCheckpoint.Load(paper.Weights);
        if (expected is not null && clip.Image.Model != expected)
        {
            var found = $"{clip.Image.KnownModel} image tower ({clip.Image.Model.Name})";
            clip.Dispose();
            throw new InvalidDataException($"{paper.Weights} holds a {found}; preset {preset.Name} needs " +
                $"{preset.ClipModel} ({expected.Name}).");
        }
        if (clip.Image.Model.ImageSize != preset.ImageSize)
        {
            var size = clip.Image.Model.ImageSize;
            clip.Dispose();
            throw new InvalidDataException($"{paper.Weights}: the image tower takes {size} px images; preset " +
                $"{preset.Name} preprocesses to {preset.ImageSize} px.");
        }
        // The vocabulary and the text tower's copy on the device are needed only for heads not cached yet; the text
        // tower is freed once every head exists.
        var headFolder = Path.Combine(KitCache.Root, "heads", CheckpointKey(paper.Weights));
        var tokenizer = new Lazy<ClipTokenizer>(() => ClipTokenizer.Load(paper.Vocabulary ?? FetchVocabulary(cache,
            log)));
        var text = new Lazy<ClipTextTower>(() => clip.Text.To(device));
        var heads = new Dictionary<string, FrozenHead>();
        foreach (var task in tasks.Append(control))
        {
            log?.Invoke($"zero-shot head of {task.Name}");
            heads[task.Name] = ZeroShotHead.Cached(Path.Combine(headFolder, task.Name + ".safetensors"),
                () => ZeroShotHead.Build(text.Value, tokenizer.Value, ZeroShotPrompts.Get(task.Name)));
        }
        if (text.IsValueCreated) text.Value.Dispose();
        clip.Text.Dispose();
        // The overlapping pair (two digit tasks) first, then the paper's Figure 3 pairs.
        TaskPair[] pairs =
        [
            new("mnist", "svhn", Overlapping: true), new("eurosat", "svhn"), new("dtd", "sun397"),
            new("cars", "resisc45"),
        ];
        var theta0 = clip.Image.Parameters;
        return new SuiteData(clip.Image.Model, tasks, control, pairs, () => theta0.Clone(), heads,
            owned: clip.Image);
    }

    /// <summary>
    /// Paper task <paramref name="name"/> (one of <see cref="PaperDatasets.Tasks"/> or ImageNet) under
    /// <paramref name="dataRoot"/>, read with the kit's decoders and its Cars, MNIST and SVHN readers; a missing file
    /// is an error naming the expected path and what to download (<c>tangent datasets</c> checks them all).
    /// </summary>
    public static PaperTask OpenPaperTask(string name, string dataRoot) =>
        PaperDatasets.Open(name, dataRoot, ImageDecoding.Decode,
            cars: (root, train) => new StanfordCarsSource(root, train),
            mnist: (root, train) => new MnistSource(root, train),
            svhn: (root, train) => new SvhnSource(root, train ? "train" : "test"));

    static string FetchVocabulary(string? cache, Action<string>? log)
    {
        var manifest = DataManifest.Get("clip-bpe-vocab");
        return Path.Combine(ArtifactFetcher.Fetch(manifest, cache, log), manifest.Files[0].Name);
    }

    // A head cache key from the checkpoint's full path, size and modification time: a replaced file gets new heads.
    static string CheckpointKey(string path)
    {
        var info = new FileInfo(path);
        var text = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
    }
}
