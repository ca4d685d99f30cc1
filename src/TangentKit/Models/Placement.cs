using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// Moves inputs to the device of the parameters that read them: data live in host memory and go to the model's device
/// batch by batch, so every tensor a computation creates follows θ0's device (CPU or CUDA) and none lands on an
/// implicit one.
/// </summary>
public static class Placement
{
    /// <summary><paramref name="x"/> itself when on <paramref name="reference"/>'s device, else a copy there.</summary>
    public static Tensor OnDeviceOf(this Tensor x, Tensor reference) =>
        x.device_type == reference.device_type && x.device_index == reference.device_index ? x : x.to(reference.device);

    /// <summary><paramref name="x"/> on the device of <paramref name="theta"/>'s tensors.</summary>
    public static Tensor OnDeviceOf(this Tensor x, ParameterSet theta) =>
        theta.Count == 0 ? x : x.OnDeviceOf(theta[theta.Names[0]]);
}
