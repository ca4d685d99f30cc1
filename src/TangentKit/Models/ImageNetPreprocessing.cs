namespace TangentKit.Models;

/// <summary>
/// The ImageNet ResNet-18's input preprocessing, read from the ONNX graph that ships with the weights.
/// </summary>
public static class ImageNetPreprocessing
{
    /// <summary>Per-channel means (B, G, R) of the ImageNet mean image in <c>ResNetPreprocess.onnx</c>.</summary>
    public static float[] ChannelMeans(string preprocessOnnxPath)
    {
        var onnx = OnnxReader.Read(preprocessOnnxPath);
        var mean = onnx.Initializers.Values.FirstOrDefault(i => i.Dims.Length == 4 && i.Dims[1] == 3)
            ?? throw new InvalidDataException($"{preprocessOnnxPath}: no [1, 3, H, W] mean image.");
        long plane = mean.Dims[2] * mean.Dims[3];
        return Enumerable.Range(0, 3)
            .Select(c => (float)mean.Values.Skip((int)(c * plane)).Take((int)plane).Average()).ToArray();
    }
}
