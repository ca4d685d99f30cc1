using static TorchSharp.torch;

namespace TangentKit.Data;

/// <summary>
/// Labeled 8-bit images that a task draws its splits from (gray or color): what the readers produce before the
/// backbone's preprocessing.
/// </summary>
public interface IImagePool
{
    /// <summary>Number of images.</summary>
    int Count { get; }

    /// <summary>Class index per image.</summary>
    long[] Labels { get; }

    /// <summary>
    /// The images at <paramref name="indices"/> as backbone inputs [n, 3, size, size] in the ImageNet ResNet's
    /// convention: 0–255 values, channels B, G, R, resized (bilinear) and centered by <paramref name="channelMeans"/>.
    /// </summary>
    Tensor ToBackboneInput(IReadOnlyList<long> indices, int size, IReadOnlyList<float> channelMeans);
}
