using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// Maps the weights of a BasicBlock ResNet exported to ONNX (e.g. ML.NET's ImageNet ResNet-18, CNTK export) onto
/// <see cref="ResNet"/>'s torchvision names: the first conv is the stem; 3×3 convs fill each block's conv1, conv2 in
/// graph order; 1×1 convs fill the downsample slots in order; each conv's batch norm is the node consuming its
/// output.
/// Every shape is checked against the model. The mini suite's θ0 (all figures and tables).
/// </summary>
public static class OnnxResNetImport
{
    /// <summary>
    /// θ0 for <paramref name="model"/> read from <paramref name="onnxPath"/> (float32; num_batches_tracked = 0).
    /// </summary>
    public static ParameterSet Load(string onnxPath, ResNet model)
    {
        var onnx = OnnxReader.Read(onnxPath);
        using var template = model.Initialize(0);
        var convs = onnx.Nodes.Where(n => n.OpType == "Conv").ToList();
        var (stem, rest) = (convs.FirstOrDefault(), convs.Skip(1).ToList());
        if (stem is null) throw new InvalidDataException($"{onnxPath}: no Conv nodes.");

        var threeByThree = new Queue<OnnxNode>(rest.Where(c => Kernel(onnx, c, onnxPath) == 3));
        var oneByOne = new Queue<OnnxNode>(rest.Where(c => Kernel(onnx, c, onnxPath) == 1));
        var assignment = new List<(string Conv, string Bn, OnnxNode Node)> { ("conv1", "bn1", stem) };
        foreach (var block in template.Names.Where(n => n.EndsWith(".conv1.weight"))
            .Select(n => n[..^".conv1.weight".Length]))
        {
            assignment.Add(($"{block}.conv1", $"{block}.bn1", Dequeue(threeByThree, block, onnxPath)));
            assignment.Add(($"{block}.conv2", $"{block}.bn2", Dequeue(threeByThree, block, onnxPath)));
            if (template.ContainsKey($"{block}.downsample.0.weight"))
                assignment.Add(($"{block}.downsample.0", $"{block}.downsample.1", Dequeue(oneByOne, block, onnxPath)));
        }
        if (threeByThree.Count + oneByOne.Count > 0)
            throw new InvalidDataException($"{onnxPath}: {threeByThree.Count + oneByOne.Count} convolutions left " +
                $"over; the graph is not {model.Name}.");

        var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (conv, bn, node) in assignment)
        {
            values[$"{conv}.weight"] = Initializer(onnx, node.Inputs[1], onnxPath);
            var norm = onnx.Nodes.SingleOrDefault(
                    n => n.OpType == "BatchNormalization" && n.Inputs[0] == node.Outputs[0])
                ?? throw new InvalidDataException(
                    $"{onnxPath}: no BatchNormalization follows the convolution for {conv}.");
            if (norm.FloatAttributes.TryGetValue("epsilon", out var eps) && Math.Abs(eps - 1e-5) > 1e-9)
                throw new InvalidDataException(
                    $"{onnxPath}: batch norm after {conv} has epsilon {eps}, the model uses 1e-5.");
            string[] fields = ["weight", "bias", "running_mean", "running_var"];
            for (int i = 0; i < 4; i++) values[$"{bn}.{fields[i]}"] = Initializer(onnx, norm.Inputs[i + 1], onnxPath);
        }

        var theta = new ParameterSet();
        foreach (var name in template.Names)
        {
            if (name.EndsWith("num_batches_tracked"))
            {
                theta.Add(name, zeros(1, dtype: ScalarType.Int64, device: CPU).squeeze(), isBuffer: true);
                continue;
            }
            var t = values.TryGetValue(name, out var v) ? v
                : throw new InvalidDataException($"{onnxPath}: nothing maps to {name}.");
            if (!t.shape.SequenceEqual(template[name].shape))
                throw new InvalidDataException($"{onnxPath}: {name} is [{string.Join(",", t.shape)}], " +
                    $"the model expects [{string.Join(",", template[name].shape)}].");
            theta.Add(name, t, template.IsBuffer(name));
        }
        return theta;
    }

    static OnnxNode Dequeue(Queue<OnnxNode> queue, string block, string path) =>
        queue.Count > 0 ? queue.Dequeue()
            : throw new InvalidDataException($"{path}: the graph has too few convolutions for {block}.");

    static long Kernel(OnnxReader onnx, OnnxNode conv, string path) =>
        onnx.Initializers.TryGetValue(conv.Inputs[1], out var w) ? w.Dims[^1]
            : throw new InvalidDataException($"{path}: convolution weight {conv.Inputs[1]} is not an initializer.");

    static Tensor Initializer(OnnxReader onnx, string name, string path)
    {
        if (!onnx.Initializers.TryGetValue(name, out var init) || init.Values.Length == 0)
            throw new InvalidDataException($"{path}: initializer {name} is missing or not float.");
        var shape = init.Dims.Length == 0 ? [init.Values.Length] : init.Dims;
        if (shape.Aggregate(1L, (a, b) => a * b) != init.Values.Length)
            throw new InvalidDataException($"{path}: initializer {name} has {init.Values.Length} values for dims " +
                $"[{string.Join(",", init.Dims)}].");
        return tensor(init.Values, shape, device: CPU);
    }
}
