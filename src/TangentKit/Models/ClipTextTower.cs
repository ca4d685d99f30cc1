using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// The text half of a CLIP state dict (open_clip / OpenAI names, no prefix: <c>token_embedding.weight</c>,
/// <c>positional_embedding</c>, <c>transformer.resblocks.{i}.*</c>, <c>ln_final.*</c>, <c>text_projection</c>) with the
/// <see cref="TextTransformer"/> its shapes describe, and exp(<c>logit_scale</c>). Builds the zero-shot heads of the
/// paper preset (<see cref="ZeroShotHead"/>); the image tower's <c>visual.*</c> entries are not kept.
/// </summary>
public sealed class ClipTextTower : IDisposable
{
    static readonly string[] RequiredKeys =
        ["token_embedding.weight", "positional_embedding", "text_projection", "logit_scale"];

    ClipTextTower(TextTransformer model, ParameterSet parameters, double logitScale)
    {
        Model = model;
        Parameters = parameters;
        LogitScale = logitScale;
    }

    /// <summary>The tower's configuration, read from the state dict's shapes.</summary>
    public TextTransformer Model { get; }

    /// <summary>The tower's parameters (owned).</summary>
    public ParameterSet Parameters { get; }

    /// <summary>exp(logit_scale) of the checkpoint: 100 for OpenAI's CLIP models.</summary>
    public double LogitScale { get; }

    /// <summary>
    /// Reads the text tower out of a CLIP state-dict file (safetensors or a PyTorch zip, as
    /// <see cref="ParameterFiles.Load"/> reads). <paramref name="heads"/> defaults to width / 64, the rule of every
    /// OpenAI and open_clip text tower; floating-point entries are converted to <paramref name="dtype"/>.
    /// </summary>
    public static ClipTextTower Load(string path, int? heads = null, ScalarType dtype = ScalarType.Float32)
    {
        using var all = ParameterFiles.Load(path);
        return FromStateDict(all, path, heads, dtype);
    }

    /// <summary>
    /// The text tower of a CLIP state dict already in memory (copied); errors name <paramref name="origin"/> and the
    /// missing or mis-shaped keys.
    /// </summary>
    public static ClipTextTower FromStateDict(ParameterSet clip, string origin, int? heads = null,
        ScalarType dtype = ScalarType.Float32)
    {
        foreach (var key in RequiredKeys)
            if (!clip.ContainsKey(key))
                throw new InvalidDataException($"{origin}: no '{key}' entry; a CLIP state dict with its text tower " +
                    "(open_clip or OpenAI names, text entries without prefix) was expected.");
        var (tokens, positions, projection) =
            (clip["token_embedding.weight"], clip["positional_embedding"], clip["text_projection"]);
        if (tokens.dim() != 2 || positions.dim() != 2 || projection.dim() != 2)
            throw new InvalidDataException($"{origin}: token_embedding.weight {InputCheck.Show(tokens.shape)}, " +
                $"positional_embedding {InputCheck.Show(positions.shape)} and text_projection " +
                $"{InputCheck.Show(projection.shape)} must all be matrices.");
        int width = (int)tokens.shape[1];
        var block = new Regex(@"^transformer\.resblocks\.(\d+)\.ln_1\.weight$");
        int layers = clip.Names.Select(n => block.Match(n)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value) + 1).DefaultIfEmpty(0).Max();
        if (layers == 0)
            throw new InvalidDataException($"{origin}: no text block 'transformer.resblocks.0.ln_1.weight' found.");
        int h = heads ?? (width % 64 == 0 ? width / 64
            : throw new ArgumentException($"{origin}: text width {width} is not a multiple of 64; give the number of " +
                "attention heads explicitly.", nameof(heads)));
        if (h < 1 || width % h != 0)
            throw new ArgumentException($"{h} attention heads do not divide the text width {width}.", nameof(heads));
        var logit = clip["logit_scale"];
        if (logit.numel() != 1)
            throw new InvalidDataException($"{origin}: logit_scale must hold one value; got " +
                $"{InputCheck.Show(logit.shape)}.");
        var model = new TextTransformer((int)tokens.shape[0], (int)positions.shape[0], width, layers, h,
            (int)projection.shape[1]);
        using var layout = model.Initialize(Init.ShapesOnly());
        var missing = layout.Names.Where(n => !clip.ContainsKey(n)).ToList();
        var misShaped = layout.Names.Where(n => clip.ContainsKey(n) && !clip[n].shape.SequenceEqual(layout[n].shape))
            .Select(n => $"{n} is {InputCheck.Show(clip[n].shape)}, expected {InputCheck.Show(layout[n].shape)}")
            .ToList();
        if (missing.Count + misShaped.Count > 0)
            throw new InvalidDataException($"{origin} does not hold a text tower of {model.Name}:" +
                (missing.Count == 0 ? "" : $" missing ({missing.Count}): {string.Join(", ", missing.Take(6))};") +
                (misShaped.Count == 0 ? "" : $" shape mismatch: {string.Join(", ", misShaped.Take(6))};"));
        var parameters = new ParameterSet();
        foreach (var n in layout.Names) parameters.Add(n, clip[n].detach().to_type(dtype).clone());
        return new ClipTextTower(model, parameters, Math.Exp(logit.to_type(ScalarType.Float64).item<double>()));
    }

    /// <summary>Text features [B, D] for token ids [B, N] (no autograd), on the parameters' device.</summary>
    public Tensor Encode(Tensor ids)
    {
        using var _ = no_grad();
        return Model.Forward(Parameters, ids);                 // moves the ids to the parameters' device
    }

    /// <summary>A copy of the tower on <paramref name="device"/> (heads are built where the encoder runs).</summary>
    public ClipTextTower To(Device device) => new(Model, Parameters.To(device), LogitScale);

    /// <summary>Frees the parameters.</summary>
    public void Dispose() => Parameters.Dispose();
}
