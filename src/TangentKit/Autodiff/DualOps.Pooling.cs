using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

public static partial class DualOps
{
    /// <summary>Max pooling: the tangent is ẋ taken at each window's arg-max (the primal's indices).</summary>
    public static Dual MaxPool2d(Dual x, long kernel, long stride, long padding = 0) => Scoped(() =>
    {
        var (y, indices) = nn.functional.max_pool2d_with_indices(x.Primal, [kernel, kernel], [stride, stride],
            [padding, padding]);
        return new(y, x.Tangent is null ? null : GatherAtIndices(x.Tangent, indices, y));
    });

    /// <summary>Adaptive max pooling to <paramref name="outputSize"/>²: tangent taken at the arg-max.</summary>
    public static Dual AdaptiveMaxPool2d(Dual x, long outputSize) => Scoped(() =>
    {
        var (y, indices) = nn.functional.adaptive_max_pool2d_with_indices(x.Primal, [outputSize, outputSize]);
        return new(y, x.Tangent is null ? null : GatherAtIndices(x.Tangent, indices, y));
    });

    // indices index the flattened H·W plane of each (n, c).
    static Tensor GatherAtIndices(Tensor tangent, Tensor indices, Tensor like) =>
        tangent.flatten(2).gather(2, indices.flatten(2)).view_as(like);

    /// <summary>Average pooling (linear, so the tangent is pooled the same way).</summary>
    public static Dual AvgPool2d(Dual x, long kernel, long stride, long padding = 0) =>
        x.Map(t => nn.functional.avg_pool2d(t, [kernel, kernel], [stride, stride], [padding, padding]));

    /// <summary>Adaptive average pooling to <paramref name="outputSize"/>² (global pooling for 1).</summary>
    public static Dual AdaptiveAvgPool2d(Dual x, long outputSize) =>
        x.Map(t => nn.functional.adaptive_avg_pool2d(t, [outputSize, outputSize]));
}
