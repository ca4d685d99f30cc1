using TangentKit.Autodiff;
using TorchSharp;
using static TangentKit.Autodiff.DualOps;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// CLIP's image tower (open_clip <c>VisionTransformer</c> names, without the <c>visual.</c> prefix): patchify conv1,
/// class embedding, positional embedding, ln_pre, pre-LN QuickGELU blocks, ln_post on the CLS token, projection.
/// ViT-B/32 = (224, 32, 768, 12, 12, 512), ViT-B/16 = (224, 16, 768, 12, 12, 512), ViT-L/14 = (224, 14, 1024, 24,
/// 16, 768): the paper's image encoders (all figures and tables, paper preset); weights through
/// <see cref="ClipImageTower"/>.
/// </summary>
public sealed record VisionTransformer(int ImageSize, int PatchSize, int Width, int Layers, int Heads, int OutputDim,
    int InChannels = 3) : IFunctionalModel
{
    /// <summary>CLIP ViT-B/32's shape, optionally with fewer blocks (benchmarks).</summary>
    public static VisionTransformer ViTB32(int layers = 12) => new(224, 32, 768, layers, 12, 512);

    /// <summary>CLIP ViT-B/16's shape (196 patches of 16×16), optionally with fewer blocks.</summary>
    public static VisionTransformer ViTB16(int layers = 12) => new(224, 16, 768, layers, 12, 512);

    /// <summary>CLIP ViT-L/14's shape (256 patches of 14×14, 16 heads of 64), optionally with fewer blocks.</summary>
    public static VisionTransformer ViTL14(int layers = 24) => new(224, 14, 1024, layers, 16, 768);

    long Tokens => (long)(ImageSize / PatchSize) * (ImageSize / PatchSize) + 1;

    /// <inheritdoc />
    public string Name => $"vit[{ImageSize}/{PatchSize}, d{Width}, L{Layers}, h{Heads}]";

    /// <inheritdoc />
    public ParameterSet Initialize(long seed, ScalarType dtype = ScalarType.Float32) =>
        Initialize(new Init(seed, dtype));

    internal ParameterSet Initialize(Init init)
    {
        double scale = Math.Pow(Width, -0.5);
        var set = new ParameterSet()
            .Add("conv1.weight", init.Weight([Width, InChannels, PatchSize, PatchSize]))
            .Add("class_embedding", init.Normal([Width], scale))
            .Add("positional_embedding", init.Normal([Tokens, Width], scale))
            .Add("ln_pre.weight", init.Ones(Width)).Add("ln_pre.bias", init.Zeros(Width));
        for (int i = 0; i < Layers; i++) TransformerBlocks.AddBlock(set, init, $"transformer.resblocks.{i}.", Width);
        return set.Add("ln_post.weight", init.Ones(Width)).Add("ln_post.bias", init.Zeros(Width))
            .Add("proj", init.Normal([Width, OutputDim], scale));
    }

    /// <inheritdoc />
    public Dual Forward(ParameterLookup p, Dual x)
    {
        long grid = ImageSize / PatchSize;
        InputCheck.Images(this, x, p("conv1.weight"), InChannels, size: ImageSize,
            note: $" (a {grid}×{grid} grid of {PatchSize}×{PatchSize} patches)");
        var patches = Conv2d(x, p("conv1.weight"), stride: PatchSize);                      // [B, D, g, g]
        long b = patches.Shape[0];
        patches = patches.Map(t => t.flatten(2).transpose(1, 2));                           // [B, g², D]
        var cls = p("class_embedding").Map(t => t.view(1, 1, Width).expand(b, 1, Width));
        var tokens = Cat([cls, patches], 1) + p("positional_embedding");
        tokens = LayerNorm(tokens, p("ln_pre.weight"), p("ln_pre.bias"));
        for (int i = 0; i < Layers; i++)
            tokens = TransformerBlocks.Block(p, $"transformer.resblocks.{i}.", tokens, Heads, Activation.QuickGelu);
        var pooled = LayerNorm(Select(tokens, 1, 0), p("ln_post.weight"), p("ln_post.bias"));
        return MatMul(pooled, p("proj"));
    }
}
