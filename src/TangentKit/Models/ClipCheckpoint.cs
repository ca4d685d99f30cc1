using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// A full CLIP state dict (open_clip or OpenAI names) read once: the image tower, θ0 of the paper preset
/// (<see cref="ClipImageTower"/>), the text tower that builds its zero-shot heads (<see cref="ClipTextTower"/>), and
/// exp(<c>logit_scale</c>).
/// </summary>
/// <example>
/// <code>
/// using var clip = ClipCheckpoint.Load("ViT-B-32-state.pt");       // clip.Image.KnownModel == "ViT-B/32"
/// using var head = ZeroShotHead.Build(clip.Text, tokenizer, ZeroShotPrompts.Get("mnist"));
/// using var features = clip.Image.Encode(images);
/// </code>
/// </example>
public sealed class ClipCheckpoint : IDisposable
{
    ClipCheckpoint(ClipImageTower image, ClipTextTower text)
    {
        Image = image;
        Text = text;
    }

    /// <summary>The image tower (<c>visual.*</c> entries, stored without the prefix).</summary>
    public ClipImageTower Image { get; }

    /// <summary>The text tower.</summary>
    public ClipTextTower Text { get; }

    /// <summary>exp(logit_scale): 100 for OpenAI's CLIP models.</summary>
    public double LogitScale => Text.LogitScale;

    /// <summary>
    /// Reads both towers from one safetensors or PyTorch-zip file; the heads default to width / 64 in each tower and
    /// floating-point entries are converted to <paramref name="dtype"/>.
    /// </summary>
    public static ClipCheckpoint Load(string path, int? imageHeads = null, int? textHeads = null,
        ScalarType dtype = ScalarType.Float32)
    {
        using var all = ParameterFiles.Load(path);
        if (!all.ContainsKey(ClipImageTower.Prefix + "conv1.weight"))
            throw new InvalidDataException($"{path}: no '{ClipImageTower.Prefix}conv1.weight' entry; a full CLIP " +
                $"state dict (the image tower under '{ClipImageTower.Prefix}', the text tower and logit_scale " +
                "without prefix) was expected" + (all.ContainsKey("conv1.weight")
                    ? " (this file holds an image tower alone: read it with ClipImageTower.Load)." : "."));
        var image = ClipImageTower.Build(all, path, imageHeads, dtype, copy: false);
        try
        {
            return new ClipCheckpoint(image, ClipTextTower.FromStateDict(all, path, textHeads, dtype));
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Frees both towers.</summary>
    public void Dispose()
    {
        Image.Dispose();
        Text.Dispose();
    }
}
