using TangentKit.Models;

namespace TangentKit.Benchmarks;

/// <summary>
/// A model shape and input size on which the cost of linearization is measured (paper: cost of linearization).
/// </summary>
/// <param name="Name">Label printed in reports, e.g. <c>resnet[2,2,2,3] 32px</c>.</param>
/// <param name="Model">The network.</param>
/// <param name="InputShape">Shape of one batch of inputs.</param>
/// <param name="Classes">Classes of the random frozen head.</param>
public sealed record BenchmarkCase(string Name, IFunctionalModel Model, long[] InputShape, int Classes = 10)
{
    /// <summary>Where θ0, the batch and the optimizer state live (default: the CPU).</summary>
    public TorchSharp.torch.Device Device { get; init; } = TorchSharp.torch.CPU;

    /// <summary>
    /// The ResNet [2,2,2,3] backbone of the mini suite on square images of <paramref name="pixels"/> px.
    /// </summary>
    public static BenchmarkCase ResNet18x(int pixels, int batch) =>
        new($"resnet[2,2,2,3] {pixels}px b{batch}", ResNet.ResNet18x(), [batch, 3, pixels, pixels]);

    /// <summary>
    /// CLIP ViT-B/32's block stack (width 768, 12 heads, 50 tokens) with <paramref name="layers"/> blocks.
    /// </summary>
    public static BenchmarkCase ViTB32(int layers, int batch) =>
        new($"vit-b/32 {layers} blocks b{batch}", VisionTransformer.ViTB32(layers), [batch, 3, 224, 224]);

    /// <summary>
    /// The default cases of <c>tangent bench</c>: ResNet [2,2,2,3] at 32 and 64 px and a ViT-B/32 block stack.
    /// </summary>
    public static IReadOnlyList<BenchmarkCase> Defaults(int batch, int vitLayers) =>
        [ResNet18x(32, batch), ResNet18x(64, batch), ViTB32(vitLayers, batch)];
}
