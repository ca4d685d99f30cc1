using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// The image half of a CLIP state dict (open_clip / OpenAI names: <c>visual.conv1.weight</c> … <c>visual.proj</c> in a
/// full dict, <c>model.visual.*</c> in the reference code's ImageEncoder, or the names without prefix, as
/// <c>model.visual.state_dict()</c> gives) with the
/// <see cref="VisionTransformer"/> its shapes describe: θ0 of the paper preset. Writes encoders (θ0 + τ) back with
/// the same names, loadable by <c>model.visual.load_state_dict(safetensors.torch.load_file(path))</c>.
/// </summary>
/// <example>
/// <code>
/// using var tower = ClipImageTower.Load("ViT-B-32.safetensors");     // tower.KnownModel == "ViT-B/32"
/// using var tau = TaskVector.Between(tower.Parameters, thetaStar);   // τ = θ* − θ0
/// using var edited = tau.ApplyTo(tower.Parameters, alpha: 0.4);
/// ClipImageTower.SaveEncoder(edited, "edited.safetensors");
/// </code>
/// </example>
public sealed class ClipImageTower : IDisposable
{
    /// <summary>The prefix of the image tower's entries in a full CLIP state dict.</summary>
    public const string Prefix = "visual.";

    /// <summary>The paper's image encoders (research/paper.md §3.1) under open_clip's names.</summary>
    public static IReadOnlyDictionary<string, VisionTransformer> KnownModels { get; } =
        new Dictionary<string, VisionTransformer>(StringComparer.Ordinal)
        {
            ["ViT-B/32"] = VisionTransformer.ViTB32(),
            ["ViT-B/16"] = VisionTransformer.ViTB16(),
            ["ViT-L/14"] = VisionTransformer.ViTL14(),
        };

    ClipImageTower(VisionTransformer model, ParameterSet parameters)
    {
        Model = model;
        Parameters = parameters;
    }

    /// <summary>The tower's configuration, read from the state dict's shapes.</summary>
    public VisionTransformer Model { get; }

    /// <summary>The tower's parameters under open_clip's names without the prefix (owned).</summary>
    public ParameterSet Parameters { get; }

    /// <summary>"ViT-B/32", "ViT-B/16" or "ViT-L/14" when <see cref="Model"/> is one of them, else "custom".</summary>
    public string KnownModel => KnownModels.FirstOrDefault(kv => kv.Value == Model).Key ?? "custom";

    /// <summary>
    /// Reads the image tower out of a CLIP state-dict file (safetensors or a PyTorch zip, as
    /// <see cref="ParameterFiles.Load"/> reads): a full dict (entries under <c>visual.</c> or <c>model.visual.</c>;
    /// the text tower and <c>logit_scale</c> are ignored) or the tower alone. <paramref name="heads"/> defaults to
    /// width / 64 (open_clip's rule for ViT-B and ViT-L); floating-point entries are converted to
    /// <paramref name="dtype"/> (OpenAI's weights are float16).
    /// </summary>
    public static ClipImageTower Load(string path, int? heads = null, ScalarType dtype = ScalarType.Float32)
    {
        using var all = ParameterFiles.Load(path);
        return Build(all, path, heads, dtype, copy: false);
    }

    /// <summary>
    /// The image tower of a state dict already in memory (copied); errors name <paramref name="origin"/> and the
    /// missing, unexpected or mis-shaped keys.
    /// </summary>
    public static ClipImageTower FromStateDict(ParameterSet clip, string origin, int? heads = null,
        ScalarType dtype = ScalarType.Float32) => Build(clip, origin, heads, dtype, copy: true);

    /// <summary>
    /// Writes an image encoder θ (θ0, or θ0 + τ from <c>TaskVector.ApplyTo</c>; names without prefix) as float32,
    /// contiguous tensors under open_clip's names: safetensors or a PyTorch zip by the extension. The names and shapes
    /// must be exactly a <see cref="VisionTransformer"/>'s, so that <c>model.visual.load_state_dict</c> accepts the
    /// file; <paramref name="withPrefix"/> writes <c>visual.*</c> names, to merge into a full CLIP state dict.
    /// </summary>
    public static void SaveEncoder(ParameterSet theta, string path, bool withPrefix = false)
    {
        if (theta.Names.FirstOrDefault(n => n.StartsWith(Prefix, StringComparison.Ordinal)) is { } prefixed)
            throw new ArgumentException($"the encoder's names must be the tower's own, without '{Prefix}' (got " +
                $"'{prefixed}'); withPrefix adds it in the file.", nameof(theta));
        static Exception Fail(string message) => new ArgumentException(message, nameof(theta));
        // Heads do not change any shape: one head is enough to describe the layout.
        var model = Infer(theta, "", "the encoder θ", heads: 1, Fail);
        CheckLayout(theta, "", model, "the encoder θ", "θ", Fail);
        ParameterFiles.Save(theta, path, withPrefix ? Prefix : "", ScalarType.Float32);
    }

    /// <summary>Image features [B, OutputDim] of images [B, C, H, W] (no autograd), on the tower's device.</summary>
    public Tensor Encode(Tensor images)
    {
        using var _ = no_grad();
        return Model.Forward(Parameters, images);              // moves the images to the parameters' device
    }

    /// <summary>Frees the parameters.</summary>
    public void Dispose() => Parameters.Dispose();

    // copy: false when the caller disposes the dict right after, so that tensors already in dtype are shared rather
    // than duplicated (a ViT-L/14 image tower is 1.2 GB in float32).
    internal static ClipImageTower Build(ParameterSet dict, string origin, int? heads, ScalarType dtype, bool copy)
    {
        static Exception Fail(string message) => new InvalidDataException(message);
        // The tower's prefix: visual. in a CLIP state dict, model.visual. in the reference code's ImageEncoder (which
        // holds the open_clip model as self.model), none for the tower alone.
        var towers = dict.Names.Where(n => n is "conv1.weight" or Prefix + "conv1.weight" ||
            n.EndsWith("." + Prefix + "conv1.weight", StringComparison.Ordinal)).ToList();
        if (towers.Count > 1)
            throw Fail($"{origin}: {towers.Count} image towers ({string.Join(", ", towers)}); one was expected.");
        if (towers.Count == 0 && !dict.Names.Any(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
            throw Fail($"{origin}: no '{Prefix}conv1.weight' (full CLIP state dict) or 'conv1.weight' (image tower " +
                "alone) entry; a CLIP ViT image tower with open_clip / OpenAI names was expected" +
                (dict.ContainsKey("token_embedding.weight") ? " (it holds a text tower only)." : "."));
        string prefix = towers.Count == 0 ? Prefix : towers[0][..^"conv1.weight".Length];
        var model = Infer(dict, prefix, origin, heads, Fail);
        CheckLayout(dict, prefix, model, origin, "file", Fail);
        var parameters = new ParameterSet();
        using var scope = NewDisposeScope();
        using var layout = model.Initialize(Init.ShapesOnly());
        foreach (var n in layout.Names)
        {
            var t = dict[prefix + n].detach().to_type(dtype);
            parameters.Add(n, copy ? t.clone() : t);
        }
        return new ClipImageTower(model, parameters);
    }

    // The configuration the shapes describe: width = conv1.weight[0], channels = [1], patch = [2],
    // grid = √(positional tokens − 1), image = grid · patch, layers = 1 + the highest block index, output = proj[1].
    static VisionTransformer Infer(IReadOnlyDictionary<string, Tensor> d, string prefix, string origin, int? heads,
        Func<string, Exception> fail)
    {
        Tensor Need(string name) => d.TryGetValue(prefix + name, out var t) ? t
            : throw fail($"{origin}: no '{prefix}{name}' entry; a CLIP ViT image tower (open_clip / OpenAI names" +
                $"{(prefix == "" ? ", without prefix" : $" under '{prefix}'")}) was expected.");
        var (conv, positions, proj) = (Need("conv1.weight"), Need("positional_embedding"), Need("proj"));
        if (conv.dim() != 4 || conv.shape[2] != conv.shape[3])
            throw fail($"{origin}: {prefix}conv1.weight is {InputCheck.Show(conv.shape)}; expected the patch " +
                "embedding [width, channels, patch, patch].");
        if (positions.dim() != 2 || proj.dim() != 2)
            throw fail($"{origin}: {prefix}positional_embedding {InputCheck.Show(positions.shape)} and {prefix}proj " +
                $"{InputCheck.Show(proj.shape)} must both be matrices ([tokens, width] and [width, output]).");
        int width = (int)conv.shape[0], patch = (int)conv.shape[2];
        long tokens = positions.shape[0], grid = (long)Math.Round(Math.Sqrt(Math.Max(tokens - 1, 0)));
        if (tokens < 2 || grid * grid != tokens - 1)
            throw fail($"{origin}: {prefix}positional_embedding has {tokens} tokens; expected 1 + g² (the class " +
                "token and a g×g grid of patches).");
        var block = new Regex("^" + Regex.Escape(prefix) + @"transformer\.resblocks\.(\d{1,4})\.");
        int layers = d.Keys.Select(n => block.Match(n)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value) + 1).DefaultIfEmpty(0).Max();
        if (layers == 0)
            throw fail($"{origin}: no block '{prefix}transformer.resblocks.0.*' found; a CLIP ViT image tower " +
                "was expected.");
        int h = heads ?? (width % 64 == 0 ? width / 64
            : throw new ArgumentException($"{origin}: image width {width} is not a multiple of 64; give the number " +
                "of attention heads explicitly.", nameof(heads)));
        if (h < 1 || width % h != 0)
            throw new ArgumentException($"{h} attention heads do not divide the image width {width}.", nameof(heads));
        return new VisionTransformer((int)(grid * patch), patch, width, layers, h, (int)proj.shape[1],
            (int)conv.shape[1]);
    }

    // Exactly the model's names under prefix (names outside it, such as the text tower, are not looked at when there
    // is a prefix), with its shapes, floating point.
    static void CheckLayout(IReadOnlyDictionary<string, Tensor> d, string prefix, VisionTransformer model,
        string origin, string found, Func<string, Exception> fail)
    {
        using var layout = model.Initialize(Init.ShapesOnly());
        var missing = layout.Names.Where(n => !d.ContainsKey(prefix + n)).Select(n => prefix + n).ToList();
        var unexpected = d.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) &&
            !layout.ContainsKey(k[prefix.Length..])).ToList();
        var misShaped = layout.Names.Where(n => d.TryGetValue(prefix + n, out var t) && !t.shape.SequenceEqual(
                layout[n].shape))
            .Select(n => $"{prefix}{n}: {found} {InputCheck.Show(d[prefix + n].shape)}, expected " +
                InputCheck.Show(layout[n].shape)).ToList();
        var notFloat = layout.Names.Where(n => d.TryGetValue(prefix + n, out var t) && !t.is_floating_point())
            .Select(n => $"{prefix}{n} ({d[prefix + n].dtype})").ToList();
        if (missing.Count + unexpected.Count + misShaped.Count + notFloat.Count > 0)
            throw fail($"{origin} does not hold a CLIP image tower of {model.Name} (the configuration its conv1, " +
                "positional_embedding, proj and blocks describe):" + ParameterFiles.Describe(" missing", missing) +
                ParameterFiles.Describe(" unexpected", unexpected) +
                ParameterFiles.Describe(" shape mismatch", misShaped) +
                ParameterFiles.Describe(" not floating point", notFloat));
    }
}
