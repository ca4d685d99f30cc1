using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Native;

/// <summary>The <c>--device</c> option: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>, checked against this build.</summary>
public static class Devices
{
    /// <summary>
    /// The device <paramref name="text"/> names; a CUDA device needs a build with <c>-p:TorchBackend=cuda</c> and a
    /// visible GPU, and the error says which of the two is missing. Call after <see cref="TorchNative.Prepare"/>.
    /// </summary>
    public static Device Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        int index = 0;
        if (t != "cuda" && !(t.StartsWith("cuda:") && int.TryParse(t[5..], out index) && index >= 0))
            throw new ArgumentException($"--device: '{text}' is not a device; use cpu, cuda or cuda:N.", nameof(text));
        if (NativeLayout.BuildBackend != "cuda")
            throw new ArgumentException($"--device {text}: this build of the kit loads the CPU libtorch; build it " +
                "with " +
                "dotnet build -p:TorchBackend=cuda (which needs the NuGet package libtorch-cuda-12.8-linux-x64).",
                nameof(text));
        if (!cuda.is_available())
            throw new ArgumentException($"--device {text}: the CUDA libtorch is loaded, but no CUDA device is " +
                "visible (check nvidia-smi and CUDA_VISIBLE_DEVICES).", nameof(text));
        if (index >= cuda.device_count())
            throw new ArgumentException($"--device {text}: there are {cuda.device_count()} CUDA devices " +
                $"(cuda:0 … cuda:{cuda.device_count() - 1}).", nameof(text));
        return new Device(DeviceType.CUDA, index);
    }
}
