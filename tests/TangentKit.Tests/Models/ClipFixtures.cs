using TangentKit.Models;

namespace TangentKit.Tests.Models;

/// Tiny CLIP checkpoints for the tests: open_clip's full state-dict layout, built from towers of the kit's own
/// configurations (the names and shapes are checked against open_clip's module layout in ClipCheckpointTests).
static class ClipFixtures
{
    /// A full CLIP state dict: the image tower `visual` under visual., a text tower `text` initialized with
    /// `textSeed` and logit_scale = ln(`scale`), both without prefix.
    public static ParameterSet StateDict(ParameterSet visual, TextTransformer text, long textSeed = 5,
        double scale = 100, ScalarType dtype = ScalarType.Float32)
    {
        var clip = new ParameterSet().AddAll(visual.Select(kv => KeyValuePair.Create("visual." + kv.Key, kv.Value)),
            t => t.detach().clone());
        using var tower = text.Initialize(textSeed, dtype);
        clip.AddAll(tower, t => t.detach().clone());
        return clip.Add("logit_scale", tensor(Math.Log(scale), dtype));
    }
}
