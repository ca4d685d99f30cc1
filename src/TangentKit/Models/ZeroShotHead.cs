using TangentKit.Data.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// CLIP zero-shot heads, the frozen heads of the paper (research/paper.md §3.4, the reference code's
/// <c>build_classification_head</c>): for each class, its texts from every template through the pre-trained text
/// tower, each feature L2-normalized, averaged over templates, renormalized; the rows stacked to W [C, D] and scaled by
/// exp(logit_scale); no bias. The result is a <see cref="FrozenHead"/> that normalizes image features first, as the
/// reference <c>ClassificationHead(normalize=True)</c> does.
/// </summary>
/// <example>
/// <code>
/// using var text = ClipTextTower.Load("ViT-B-32.safetensors");
/// var tokenizer = ClipTokenizer.Load("bpe_simple_vocab_16e6.txt.gz");
/// using var head = ZeroShotHead.Cached("heads/eurosat.safetensors",
///     () => ZeroShotHead.Build(text, tokenizer, ZeroShotPrompts.Get("eurosat")));
/// using var logits = head.Logits(imageFeatures);                                   // [N, 10]
/// </code>
/// </example>
public static class ZeroShotHead
{
    /// <summary>
    /// The head of text features [C, T, D] (class c, template t): row c = <paramref name="logitScale"/> ·
    /// normalize(mean over t of normalize(features[c, t])).
    /// </summary>
    public static FrozenHead FromTextFeatures(Tensor features, double logitScale)
    {
        if (features.dim() != 3 || features.shape[0] < 1 || features.shape[1] < 1 || !features.is_floating_point())
            throw new ArgumentException("text features must be a floating-point [classes, templates, width] tensor; " +
                $"got {features.dtype} {InputCheck.Show(features.shape)}.", nameof(features));
        if (!(logitScale > 0) || double.IsInfinity(logitScale))
            throw new ArgumentOutOfRangeException(nameof(logitScale), logitScale, "the logit scale must be positive.");
        using var scope = NewDisposeScope();
        var e = features.detach();
        e = e / e.norm(-1, keepdim: true);                               // per template   [C, T, D]
        var w = e.mean([1]);                                             // over templates [C, D]
        w = w / w.norm(-1, keepdim: true);
        return new FrozenHead(w * logitScale, bias: null, normalizeFeatures: true);
    }

    /// <summary>
    /// Builds the head of <paramref name="prompts"/> with a text tower and CLIP's tokenizer (texts encoded in batches
    /// of at most <paramref name="batchSize"/>, no autograd; <paramref name="progress"/> gets texts done and total);
    /// the scale is the tower's exp(logit_scale) unless <paramref name="logitScale"/> is given.
    /// </summary>
    public static FrozenHead Build(ClipTextTower text, ClipTokenizer tokenizer, ZeroShotPrompts prompts,
        double? logitScale = null, int batchSize = 256, Action<int, int>? progress = null)
    {
        if (tokenizer.VocabSize != text.Model.VocabSize)
            throw new ArgumentException($"the tokenizer has {tokenizer.VocabSize} tokens, the text tower's embedding " +
                $"{text.Model.VocabSize}: they do not belong together.", nameof(tokenizer));
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1.");
        int c = prompts.Classes.Count, t = prompts.Templates.Count;
        using var scope = NewDisposeScope();
        var texts = Enumerable.Range(0, c).SelectMany(prompts.Texts).ToList();      // class-major: [C·T]
        var chunks = new List<Tensor>();
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            var ids = tokenizer.Encode(texts.GetRange(start, Math.Min(batchSize, texts.Count - start)),
                text.Model.ContextLength);
            chunks.Add(text.Encode(ids));
            progress?.Invoke(Math.Min(start + batchSize, texts.Count), texts.Count);
        }
        var features = cat(chunks, 0);
        return FromTextFeatures(features.view(c, t, features.shape[1]), logitScale ?? text.LogitScale);
    }

    /// <summary>
    /// Writes a head as a state dict with <c>weight</c> [C, D] and a zero <c>bias</c> [C] — the names of the
    /// reference code's <c>ClassificationHead</c> (an <c>nn.Linear</c>); safetensors or PyTorch zip by extension,
    /// written atomically.
    /// </summary>
    public static void Save(FrozenHead head, string path)
    {
        using var set = new ParameterSet()
            .Add("weight", head.Weight.detach().clone())
            .Add("bias", head.Bias?.detach().clone()
                ?? zeros(head.Classes, dtype: head.Weight.dtype, device: head.Weight.device));
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        ParameterFiles.Save(set, path);
    }

    /// <summary>Reads a head written by <see cref="Save"/> (it normalizes features first, as when built).</summary>
    public static FrozenHead Load(string path)
    {
        using var set = ParameterFiles.Load(path);
        if (!set.ContainsKey("weight") || set["weight"].dim() != 2)
            throw new InvalidDataException($"{path}: a zero-shot head needs a 'weight' [classes, width] entry; found " +
                $"{string.Join(", ", set.Names.Select(n => $"{n} {InputCheck.Show(set[n].shape)}"))}.");
        var bias = set.ContainsKey("bias") ? set["bias"] : null;
        if (bias is not null && !(bias.dim() == 1 && bias.shape[0] == set["weight"].shape[0]))
            throw new InvalidDataException($"{path}: 'bias' must be [{set["weight"].shape[0]}]; got " +
                $"{InputCheck.Show(bias.shape)}.");
        bool zeroBias = bias is null || bias.count_nonzero().item<long>() == 0;     // the reference writes zeros
        return new FrozenHead(set["weight"], zeroBias ? null : bias, normalizeFeatures: true);
    }

    /// <summary>
    /// The head cached at <paramref name="path"/> if that file exists, else <paramref name="build"/>'s, written there
    /// first. The cache is keyed by path only: one file per (weights, task).
    /// </summary>
    public static FrozenHead Cached(string path, Func<FrozenHead> build)
    {
        if (File.Exists(path)) return Load(path);
        var head = build();
        Save(head, path);
        return head;
    }
}
