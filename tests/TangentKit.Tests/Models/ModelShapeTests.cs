using TangentKit.Models;

namespace TangentKit.Tests.Models;

public class ModelShapeTests
{
    [Fact]
    public void ResNet18x_has_the_parameter_count_of_the_onnx_backbone()
    {
        // torchvision resnet18 without fc: 11,689,512 − 513,000 = 11,176,512; one more 512-wide BasicBlock adds
        // 2·(512·512·9) + 2·(2·512) = 4,720,640 → 15,897,152 trainable. Running statistics: 2 × 5,824 BN channels.
        // Their sum, 15,908,800, is the float count of ML.NET's ResNet18.onnx (research/data.md §2.2).
        using var theta = ResNet.ResNet18x().Initialize(0);
        Assert.Equal(15_897_152, theta.TrainableCount);
        Assert.Equal(15_908_800,
            theta.Where(_ => true).Where(kv => kv.Value.is_floating_point()).Sum(kv => kv.Value.numel()));
        Assert.Contains("layer4.2.conv2.weight", theta.Names);
        Assert.Contains("layer2.0.downsample.1.running_var", theta.Names);
        Assert.True(theta.IsBuffer("bn1.num_batches_tracked"));
    }

    [Fact]
    public void ResNet18x_maps_an_image_batch_to_512_features()
    {
        var model = ResNet.ResNet18x();
        using var theta = model.Initialize(0);
        using var x = randn(2, 3, 64, 64);
        Assert.Equal(new long[] { 2, 512 }, model.Forward(theta, x).shape);
    }

    [Fact]
    public void ViT_B32_shape_has_clip_visual_names_and_50_tokens()
    {
        using var theta = VisionTransformer.ViTB32(layers: 1).Initialize(0);
        Assert.Equal(new long[] { 50, 768 }, theta["positional_embedding"].shape);
        Assert.Equal(new long[] { 2304, 768 }, theta["transformer.resblocks.0.attn.in_proj_weight"].shape);
        Assert.Equal(new long[] { 768, 512 }, theta["proj"].shape);
    }

    [Fact]
    public void Initialization_is_reproducible_from_the_seed()
    {
        using var a = new Mlp([4, 3]).Initialize(7);
        using var b = new Mlp([4, 3]).Initialize(7);
        using var c = new Mlp([4, 3]).Initialize(8);
        Assert.True(a["fc0.weight"].allclose(b["fc0.weight"], rtol: 0, atol: 0));
        Assert.False(a["fc0.weight"].allclose(c["fc0.weight"], rtol: 0, atol: 0));
    }
}
