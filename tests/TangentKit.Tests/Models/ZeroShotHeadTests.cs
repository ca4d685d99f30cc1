using TangentKit.Data.Text;
using TangentKit.Models;
using TangentKit.Tests.Data;

namespace TangentKit.Tests.Models;

/// CLIP zero-shot heads against an independent float64 computation written here with explicit loops (per-template
/// normalization, mean over templates, renormalization, scale), on hand-made features and through a tiny random text
/// tower; the CLIP text tower's state-dict reading against the shapes it was generated with.
public sealed class ZeroShotHeadTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), $"tk-heads-{Guid.NewGuid():N}");

    public ZeroShotHeadTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // row c = scale · normalize(Σ_t normalize(e[c, t]) / T), in double with loops.
    internal static double[,] ReferenceHead(double[,,] e, double scale)
    {
        int c = e.GetLength(0), t = e.GetLength(1), d = e.GetLength(2);
        var w = new double[c, d];
        for (int i = 0; i < c; i++)
        {
            var mean = new double[d];
            for (int j = 0; j < t; j++)
            {
                double norm = 0;
                for (int k = 0; k < d; k++) norm += e[i, j, k] * e[i, j, k];
                norm = Math.Sqrt(norm);
                for (int k = 0; k < d; k++) mean[k] += e[i, j, k] / norm / t;
            }
            double meanNorm = Math.Sqrt(mean.Sum(v => v * v));
            for (int k = 0; k < d; k++) w[i, k] = scale * mean[k] / meanNorm;
        }
        return w;
    }

    static double[,,] ToArray(Tensor x)
    {
        var (c, t, d) = ((int)x.shape[0], (int)x.shape[1], (int)x.shape[2]);
        var values = x.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        var a = new double[c, t, d];
        for (int i = 0; i < c; i++) for (int j = 0; j < t; j++) for (int k = 0; k < d; k++)
            a[i, j, k] = values[(i * t + j) * d + k];
        return a;
    }

    static void AssertClose(double[,] expected, Tensor actual, double tolerance)
    {
        Assert.Equal([expected.GetLength(0), expected.GetLength(1)], actual.shape.Select(s => (int)s).ToArray());
        var got = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int k = 0; k < expected.GetLength(1); k++)
                Assert.True(Math.Abs(expected[i, k] - got[i * expected.GetLength(1) + k]) <= tolerance,
                    $"W[{i}, {k}] = {got[i * expected.GetLength(1) + k]}, expected {expected[i, k]}");
    }

    [Fact]
    public void The_head_normalizes_each_template_averages_renormalizes_and_scales()
    {
        // Hand case, one class, two templates: (3, 4) → (0.6, 0.8) and (0, 10) → (0, 1); mean (0.3, 0.9), norm
        // √0.9; × 50 → (15, 45) / √0.9. Without the per-template step the mean (1.5, 7) would point elsewhere.
        using var small = ZeroShotHead.FromTextFeatures(tensor(new double[] { 3, 4, 0, 10 }).view(1, 2, 2), 50);
        Assert.Equal(15 / Math.Sqrt(0.9), small.Weight[0, 0].ToDouble(), 12);
        Assert.Equal(45 / Math.Sqrt(0.9), small.Weight[0, 1].ToDouble(), 12);
        Assert.Null(small.Bias);
        Assert.True(small.NormalizeFeatures);

        // Random case: 3 classes × 4 templates × 5 dims, each template's features at a very different norm.
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var e = randn([3, 4, 5], dtype: ScalarType.Float64, generator: g) *
            tensor(new double[] { 0.1, 1, 10, 100 }, ScalarType.Float64).view(1, 4, 1);
        using var head = ZeroShotHead.FromTextFeatures(e, 100);
        var reference = ReferenceHead(ToArray(e), 100);
        AssertClose(reference, head.Weight, 1e-10);
        // The check is not vacuous: skipping the per-template normalization moves the rows by far more.
        var unnormalized = e.mean([1]);
        unnormalized = unnormalized / unnormalized.norm(-1, keepdim: true) * 100;
        Assert.True((unnormalized - head.Weight).abs().max().ToDouble() > 1);
    }

    [Fact]
    public void Logits_normalize_the_image_features_before_the_weight()
    {
        using var head = ZeroShotHead.FromTextFeatures(tensor(new double[] { 1, 0, 0, 1 }).view(2, 1, 2), 100);
        // z = (3, 4) → (0.6, 0.8): logits (60, 80), whatever the norm of z.
        using var logits = head.Logits(tensor(new double[,] { { 3, 4 }, { 30, 40 } }));
        Assert.True(logits.allclose(tensor(new double[,] { { 60, 80 }, { 60, 80 } }), rtol: 0, atol: 1e-10));
    }

    // A tiny CLIP state dict: a random text tower, logit_scale = ln(scale), and image entries that must be ignored.
    static ParameterSet TinyClip(TextTransformer text, double scale, ScalarType dtype, long seed = 3)
    {
        var set = text.Initialize(seed, dtype);
        set.Add("logit_scale", tensor(Math.Log(scale), dtype));
        set.Add("visual.proj", randn([6, text.OutputDim], dtype: dtype));
        set.Add("visual.transformer.resblocks.0.ln_1.weight", ones(6, dtype: dtype));
        return set;
    }

    [Fact]
    public void A_head_built_through_a_tiny_text_tower_matches_the_reference_recipe()
    {
        var vocabulary = ClipTokenizerTests.WriteFixtureVocabulary(Path.Combine(_folder, "bpe.txt.gz"));
        var tokenizer = ClipTokenizer.Load(vocabulary);
        var config = new TextTransformer(VocabSize: 519, ContextLength: 16, Width: 8, Layers: 2, Heads: 2,
            OutputDim: 4);
        using var clip = TinyClip(config, scale: 42, ScalarType.Float64);
        using var text = ClipTextTower.FromStateDict(clip, "tiny clip", heads: 2, dtype: ScalarType.Float64);
        Assert.Equal(config, text.Model);
        Assert.Equal(42, text.LogitScale, 10);
        var prompts = new ZeroShotPrompts("tiny", "Tiny", "test", "{c}", ["a {c}.", "the {c}!", "{c}"],
            ["hello", "xyz", "llo"]);

        using var head = ZeroShotHead.Build(text, tokenizer, prompts, batchSize: 2);   // chunks cross classes

        // Reference: each text alone through the tower, then the recipe in double.
        var e = new double[3, 3, 4];
        for (int c = 0; c < 3; c++)
            for (int t = 0; t < 3; t++)
            {
                using var ids = tokenizer.Encode([prompts.Templates[t].Replace("{c}", prompts.Classes[c])], 16);
                using var f = config.Forward(text.Parameters, ids);
                for (int k = 0; k < 4; k++) e[c, t, k] = f[0, k].ToDouble();
            }
        AssertClose(ReferenceHead(e, 42), head.Weight, 1e-10);
        Assert.True(head.NormalizeFeatures);
        Assert.Null(head.Bias);
    }

    [Fact]
    public void A_head_is_cached_as_safetensors_with_the_reference_state_dict_names()
    {
        var path = Path.Combine(_folder, "heads", "tiny.safetensors");
        int builds = 0;
        FrozenHead Build()
        {
            builds++;
            return ZeroShotHead.FromTextFeatures(tensor(new float[] { 3, 4, 0, 10, 1, 1, 1, 1 }).view(2, 2, 2), 100);
        }
        using var first = ZeroShotHead.Cached(path, Build);
        using var second = ZeroShotHead.Cached(path, Build);
        Assert.Equal(1, builds);
        Assert.True(first.Weight.allclose(second.Weight, rtol: 0, atol: 0));
        Assert.True(second.NormalizeFeatures);
        Assert.Null(second.Bias);
        using var stored = ParameterFiles.Load(path);
        Assert.Equal(["bias", "weight"], stored.Names.Order().ToArray());
        Assert.Equal([2L, 2L], stored["weight"].shape);
        Assert.Equal(0, stored["bias"].abs().sum().ToDouble());
    }

    [Fact]
    public void The_text_tower_is_read_from_a_clip_state_dict_with_its_configuration()
    {
        var config = new TextTransformer(VocabSize: 30, ContextLength: 7, Width: 128, Layers: 3, Heads: 2,
            OutputDim: 5);
        using var clip = TinyClip(config, scale: 100, ScalarType.Float32);
        var path = Path.Combine(_folder, "clip.safetensors");
        ParameterFiles.Save(clip, path);
        using var text = ClipTextTower.Load(path);
        Assert.Equal(config, text.Model);                     // heads = 128 / 64 = 2
        Assert.Equal(100, text.LogitScale, 4);
        Assert.DoesNotContain(text.Parameters.Names, n => n.StartsWith("visual.") || n == "logit_scale");
        Assert.True(text.Parameters["text_projection"].allclose(clip["text_projection"], rtol: 0, atol: 0));
        using var ids = tensor(new long[] { 1, 2, 29, 0, 0, 0, 0 }, [1, 7]);
        using var features = text.Encode(ids);
        Assert.Equal([1L, 5L], features.shape);
    }

    [Fact]
    public void A_state_dict_without_a_text_tower_or_logit_scale_is_named_with_the_key()
    {
        var config = new TextTransformer(VocabSize: 30, ContextLength: 7, Width: 64, Layers: 2, Heads: 1,
            OutputDim: 5);
        using var clip = TinyClip(config, scale: 100, ScalarType.Float32);
        var noScale = new ParameterSet().AddAll(clip.Where(kv => kv.Key != "logit_scale"), t => t.clone());
        var e1 = Assert.Throws<InvalidDataException>(() => ClipTextTower.FromStateDict(noScale, "x.safetensors"));
        Assert.Contains("x.safetensors", e1.Message);
        Assert.Contains("logit_scale", e1.Message);

        var noBlock = new ParameterSet().AddAll(
            clip.Where(kv => kv.Key != "transformer.resblocks.1.mlp.c_fc.bias"), t => t.clone());
        var e2 = Assert.Throws<InvalidDataException>(() => ClipTextTower.FromStateDict(noBlock, "y.pt"));
        Assert.Contains("y.pt", e2.Message);
        Assert.Contains("transformer.resblocks.1.mlp.c_fc.bias", e2.Message);

        var e3 = Assert.Throws<ArgumentException>(() => ClipTextTower.FromStateDict(clip, "z.pt", heads: 3));
        Assert.Contains("64", e3.Message);
        noScale.Dispose();
        noBlock.Dispose();
    }

    [Fact]
    public void The_tokenizer_and_the_tower_must_share_a_vocabulary()
    {
        var tokenizer = ClipTokenizer.Load(ClipTokenizerTests.WriteFixtureVocabulary(Path.Combine(_folder, "v.gz")));
        var config = new TextTransformer(VocabSize: 600, ContextLength: 8, Width: 64, Layers: 1, Heads: 1,
            OutputDim: 3);
        using var clip = TinyClip(config, scale: 100, ScalarType.Float32);
        using var text = ClipTextTower.FromStateDict(clip, "tiny");
        var e = Assert.Throws<ArgumentException>(() =>
            ZeroShotHead.Build(text, tokenizer, ZeroShotPrompts.Get("mnist")));
        Assert.Contains("519", e.Message);
        Assert.Contains("600", e.Message);
    }
}
