using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TangentKit.Data.Fetching;
using TangentKit.Models;

namespace TangentKit.Tests.Models;

/// The ImageNet ResNet-18 imported into the functional ResNet gives ONNX Runtime's features.
public class OnnxImportTests
{
    static string ModelFolder() => ArtifactFetcher.Fetch(DataManifest.Get("resnet18-imagenet"));

    [Fact]
    public void Imported_resnet_features_equal_onnx_runtime_on_random_inputs()
    {
        var onnxPath = Path.Combine(ModelFolder(), "ResNet18.onnx");
        var model = ResNet.ResNet18x();
        using var theta0 = OnnxResNetImport.Load(onnxPath, model);
        using var session = new InferenceSession(onnxPath);
        var inputName = session.InputMetadata.Keys.Single();
        var g = new Generator(7);
        for (int sample = 0; sample < 2; sample++)
        {
            // the model's input scale: BGR 0–255 minus the mean
            using var x = randn([1, 3, 224, 224], generator: g) * 60;
            var ortInput = new DenseTensor<float>(x.data<float>().ToArray(), [1, 3, 224, 224]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, ortInput)]);
            var expected = results.Single().AsEnumerable<float>().ToArray();
            using var ours = model.Encoder(theta0)(x);
            var actual = ours.data<float>().ToArray();
            Assert.Equal(512, expected.Length);
            double maxDiff = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDiff <= 1e-4,
                $"max |ours − ONNX Runtime| = {maxDiff:E2} (features up to {expected.Max(Math.Abs):F2})");
            Assert.True(expected.Max(Math.Abs) > 0.1);
        }
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_rejected_with_its_name()
    {
        var path = Path.Combine(Path.GetTempPath(), $"not-onnx-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "hello");
        try
        {
            Assert.Contains(path,
                Assert.Throws<InvalidDataException>(() => OnnxResNetImport.Load(path, ResNet.ResNet18x())).Message);
        }
        finally { File.Delete(path); }
    }
}
