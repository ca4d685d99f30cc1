using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// PyTorch's default parameter initializations, drawn on the host from an explicit seeded generator (callers move the
/// set to their device, so a seed gives the same θ0 on every device).
/// </summary>
internal sealed class Init(long seed, ScalarType dtype, bool shapesOnly = false)
{
    readonly Generator _generator = new(unchecked((ulong)seed));

    /// <summary>
    /// An Init whose tensors have shapes but no storage (the meta device): a model's parameter layout at no
    /// memory cost, read by <see cref="InputCheck.Parameters"/>.
    /// </summary>
    public static Init ShapesOnly() => new(0, ScalarType.Float32, shapesOnly: true);

    public ScalarType DType => dtype;

    /// <summary>U(−bound, bound).</summary>
    public Tensor Uniform(long[] shape, double bound) =>
        shapesOnly ? Meta(shape) : rand(shape, dtype: dtype, device: CPU, generator: _generator) * (2 * bound) - bound;

    /// <summary>N(0, std²).</summary>
    public Tensor Normal(long[] shape, double std) =>
        shapesOnly ? Meta(shape) : randn(shape, dtype: dtype, device: CPU, generator: _generator) * std;

    /// <summary>nn.Linear / nn.Conv default: kaiming_uniform(a=√5) ⇒ U(±1/√fan_in).</summary>
    public Tensor Weight(long[] shape) => Uniform(shape, 1.0 / Math.Sqrt(FanIn(shape)));

    /// <summary>nn.Linear / nn.Conv bias default: U(±1/√fan_in) of the layer's weight.</summary>
    public Tensor Bias(long size, long fanIn) => Uniform([size], 1.0 / Math.Sqrt(fanIn));

    /// <summary>torchvision ResNet convs: kaiming_normal(mode=fan_out, relu) ⇒ N(0, 2/fan_out).</summary>
    public Tensor KaimingNormalFanOut(long[] shape) =>
        Normal(shape, Math.Sqrt(2.0 / (shape[0] * shape.Skip(2).Aggregate(1L, (a, b) => a * b))));

    public Tensor Ones(long size) => shapesOnly ? Meta([size]) : ones(size, dtype: dtype, device: CPU);
    public Tensor Zeros(params long[] shape) => shapesOnly ? Meta(shape) : zeros(shape, dtype: dtype, device: CPU);

    Tensor Meta(long[] shape) => empty(shape, dtype: dtype, device: new Device(DeviceType.META));

    public static long FanIn(long[] shape) => shape.Skip(1).Aggregate(1L, (a, b) => a * b);
}
