using TangentKit.Autodiff;
using TorchSharp;
using static TangentKit.Autodiff.DualOps;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// CLIP's text tower (open_clip names): token and positional embeddings, causal-masked pre-LN QuickGELU blocks,
/// ln_final, the features at the end-of-text token (the largest token id), text projection. Builds the zero-shot
/// heads of the paper preset; input is int64 token ids [B, N].
/// </summary>
public sealed record TextTransformer(int VocabSize, int ContextLength, int Width, int Layers, int Heads,
    int OutputDim) : IFunctionalModel
{
    /// <inheritdoc />
    public string Name => $"text-transformer[v{VocabSize}, n{ContextLength}, d{Width}, L{Layers}, h{Heads}]";

    /// <inheritdoc />
    public ParameterSet Initialize(long seed, ScalarType dtype = ScalarType.Float32) =>
        Initialize(new Init(seed, dtype));

    internal ParameterSet Initialize(Init init)
    {
        var set = new ParameterSet()
            .Add("token_embedding.weight", init.Normal([VocabSize, Width], 0.02))
            .Add("positional_embedding", init.Normal([ContextLength, Width], 0.01));
        for (int i = 0; i < Layers; i++) TransformerBlocks.AddBlock(set, init, $"transformer.resblocks.{i}.", Width);
        return set.Add("ln_final.weight", init.Ones(Width)).Add("ln_final.bias", init.Zeros(Width))
            .Add("text_projection", init.Normal([Width, OutputDim], Math.Pow(Width, -0.5)));
    }

    /// <inheritdoc />
    public Dual Forward(ParameterLookup p, Dual x)
    {
        InputCheck.Tokens(this, x, ContextLength);
        var ids = x.Primal;
        long n = ids.shape[1];
        var tokens = Embedding(ids, p("token_embedding.weight")) +
            p("positional_embedding").Map(t => t.narrow(0, 0, n));
        using var mask = CausalMask(n, tokens.Primal.dtype, tokens.Primal.device);
        for (int i = 0; i < Layers; i++)
            tokens = TransformerBlocks.Block(p, $"transformer.resblocks.{i}.", tokens, Heads, Activation.QuickGelu,
                mask);
        tokens = LayerNorm(tokens, p("ln_final.weight"), p("ln_final.bias"));
        var eot = ids.argmax(-1);                                                           // [B]
        var pooled = tokens.Map(t => t[arange(t.shape[0], device: t.device), eot]);        // [B, D]
        return MatMul(pooled, p("text_projection"));
    }
}
