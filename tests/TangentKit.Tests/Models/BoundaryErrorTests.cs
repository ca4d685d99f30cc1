using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;
using Xunit.Abstractions;

namespace TangentKit.Tests.Models;

/// Bad input at the model and task-vector boundary is refused with an error naming what was expected and what was
/// found, before libtorch sees it; correct input of the same models still runs.
public sealed class BoundaryErrorTests(ITestOutputHelper output) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-boundary-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static readonly VisionTransformer TinyViT =
        new(ImageSize: 8, PatchSize: 4, Width: 16, Layers: 2, Heads: 2, OutputDim: 6);
    static readonly TextTransformer TinyText =
        new(VocabSize: 11, ContextLength: 6, Width: 16, Layers: 2, Heads: 4, OutputDim: 8);

    T Refused<T>(Action act, params string[] mentions) where T : Exception
    {
        var e = Assert.Throws<T>(act);
        output.WriteLine(e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    // --- models: input batches -------------------------------------------------------------------------------

    [Fact]
    public void ResNet_refuses_a_batch_without_the_batch_dimension()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(0);
        var e = Refused<ArgumentException>(() => model.Forward(theta, randn(3, 32, 32)),
            "must be [B, 3, H, W]", "got [3, 32, 32]", model.Name);
        Assert.Equal("x", e.ParamName);
    }

    [Fact]
    public void ResNet_refuses_the_wrong_channel_count()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(0);
        Refused<ArgumentException>(() => model.Forward(theta, randn(2, 1, 32, 32)),
            "[B, 3, H, W]", "got [2, 1, 32, 32]");
    }

    [Fact]
    public void ResNet_refuses_an_empty_image()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(0);
        Refused<ArgumentException>(() => model.Forward(theta, randn(2, 3, 0, 32)), "H, W ≥ 1", "got [2, 3, 0, 32]");
    }

    [Fact]
    public void ResNet_refuses_images_in_another_dtype_than_its_parameters()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(0);
        using var x = randn(2, 3, 32, 32, dtype: ScalarType.Float64);
        Refused<ArgumentException>(() => model.Forward(theta, x), "must be Float32", "got Float64");
        using var ints = zeros(2, 3, 32, 32, dtype: ScalarType.Int64);
        Refused<ArgumentException>(() => model.Forward(theta, ints), "must be Float32", "got Int64");
    }

    [Fact]
    public void ResNet_accepts_correct_batches_down_to_one_pixel()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(0);
        Assert.Equal(new long[] { 2, 64 }, model.Forward(theta, randn(2, 3, 32, 32)).shape);
        Assert.Equal(new long[] { 1, 64 }, model.Forward(theta, randn(1, 3, 1, 1)).shape);
        var gray = ResNet.Tiny(inChannels: 1);
        using var grayTheta = gray.Initialize(0);
        Assert.Equal(new long[] { 2, 64 }, gray.Forward(grayTheta, randn(2, 1, 28, 28)).shape);
    }

    [Fact]
    public void ViT_refuses_an_image_size_other_than_its_configured_one()
    {
        using var theta = TinyViT.Initialize(0);
        Refused<ArgumentException>(() => TinyViT.Forward(theta, randn(2, 3, 16, 16)),
            "must be [B, 3, 8, 8]", "2×2 grid of 4×4 patches", "got [2, 3, 16, 16]");
        Refused<ArgumentException>(() => TinyViT.Forward(theta, randn(2, 3, 8, 7)), "got [2, 3, 8, 7]");
        Refused<ArgumentException>(() => TinyViT.Forward(theta, randn(3, 8, 8)), "got [3, 8, 8]");
    }

    [Fact]
    public void ViT_accepts_its_image_size()
    {
        using var theta = TinyViT.Initialize(0);
        Assert.Equal(new long[] { 2, 6 }, TinyViT.Forward(theta, randn(2, 3, 8, 8)).shape);
    }

    [Fact]
    public void TextTransformer_refuses_float_tokens()
    {
        using var theta = TinyText.Initialize(0);
        Refused<ArgumentException>(() => TinyText.Forward(theta, ones(2, 6)),
            "token ids", "must be Int64", "got Float32");
    }

    [Fact]
    public void TextTransformer_refuses_a_sequence_longer_than_the_context_or_without_a_batch()
    {
        using var theta = TinyText.Initialize(0);
        using var tooLong = zeros(2, 7, dtype: ScalarType.Int64);
        Refused<ArgumentException>(() => TinyText.Forward(theta, tooLong), "[B, N] with 1 ≤ N ≤ 6", "got [2, 7]");
        using var flat = zeros(6, dtype: ScalarType.Int64);
        Refused<ArgumentException>(() => TinyText.Forward(theta, flat), "[B, N]", "got [6]");
    }

    [Fact]
    public void TextTransformer_accepts_int64_and_int32_ids_up_to_the_context_length()
    {
        using var theta = TinyText.Initialize(0);
        using var ids = tensor(new long[] { 1, 5, 2, 10, 0, 0, 3, 3, 9, 4, 7, 2 }).view(2, 6);
        Assert.Equal(new long[] { 2, 8 }, TinyText.Forward(theta, ids).shape);
        using var shorter = ids.narrow(1, 0, 3).to_type(ScalarType.Int32);
        Assert.Equal(new long[] { 2, 8 }, TinyText.Forward(theta, shorter).shape);
    }

    [Fact]
    public void Mlp_refuses_the_wrong_feature_count()
    {
        var model = new Mlp([12, 16, 5]);
        using var theta = model.Initialize(0);
        Refused<ArgumentException>(() => model.Forward(theta, randn(4, 10)), "must be [B, 12]", "got [4, 10]",
            "10 values per row");
        Refused<ArgumentException>(() => model.Forward(theta, randn(12)), "got [12]", "no batch dimension");
    }

    [Fact]
    public void Mlp_accepts_rows_that_flatten_to_its_input_width()
    {
        var model = new Mlp([12, 16, 5]);
        using var theta = model.Initialize(0);
        Assert.Equal(new long[] { 4, 5 }, model.Forward(theta, randn(4, 12)).shape);
        Assert.Equal(new long[] { 4, 5 }, model.Forward(theta, randn(4, 3, 2, 2)).shape);
    }

    // --- models: parameter sets ------------------------------------------------------------------------------

    [Fact]
    public void A_theta_of_another_model_names_the_missing_and_misshaped_parameters()
    {
        var big = ResNet.ResNet18x();
        using var tiny = ResNet.Tiny().Initialize(0);
        using var x = randn(2, 3, 32, 32);
        var e = Refused<ArgumentException>(() => big.Forward(tiny, x), $"θ does not fit {big.Name}",
            "conv1.weight is [8, 3, 7, 7], expected [64, 3, 7, 7]", "missing", "layer1.1.conv1.weight");
        Assert.Equal("theta", e.ParamName);
        Refused<ArgumentException>(() => big.Linearize(tiny), "θ0 does not fit", "conv1.weight is [8, 3, 7, 7]");
        Refused<ArgumentException>(() => big.Encoder(tiny), "θ does not fit");
    }

    [Fact]
    public void A_theta_with_mixed_dtypes_is_named()
    {
        var model = new Mlp([4, 3]);
        using var theta = new ParameterSet()
            .Add("fc0.weight", zeros(3, 4)).Add("fc0.bias", zeros(3, dtype: ScalarType.Float64));
        Refused<ArgumentException>(() => model.Forward(theta, zeros(2, 4)), "dtype mismatch", "fc0.bias is Float64");
    }

    // --- task vectors ----------------------------------------------------------------------------------------

    [Fact]
    public void A_task_vector_of_ResNet_Tiny_does_not_apply_to_ResNet18x()
    {
        using var tiny0 = ResNet.Tiny().Initialize(0);
        using var tinyStar = ResNet.Tiny().Initialize(1);
        using var tau = TaskVector.Between(tiny0, tinyStar);
        var big = ResNet.ResNet18x();
        using var big0 = big.Initialize(0);
        Refused<ArgumentException>(() => tau.ApplyTo(big0, 0.5), "τ and θ0 do not match",
            "shapes differ: conv1.weight [8,3,7,7] vs [64,3,7,7]");
        var lin = big.Linearize(big0);
        Refused<ArgumentException>(() => tau.ApplyTo(lin, 0.5),
            "τ and θ0 do not match", "conv1.weight [8,3,7,7] vs [64,3,7,7]");
    }

    [Fact]
    public void Task_vectors_in_different_dtypes_do_not_combine()
    {
        using var zero64 = new Mlp([4, 3]).Initialize(0, ScalarType.Float64);
        using var star64 = new Mlp([4, 3]).Initialize(1, ScalarType.Float64);
        using var a = TaskVector.Between(zero64, star64);
        using var b = TaskVector.FromEntries(a.Entries.To(dtype: ScalarType.Float32));
        const string named = "dtypes differ: fc0.weight Float64 vs Float32";
        Refused<ArgumentException>(() => _ = a + b, named);
        Refused<ArgumentException>(() => _ = a - b, named);
        Refused<ArgumentException>(() => TaskVector.Sum([a, a, b]), "τ_1 and τ_3", named);
        Refused<ArgumentException>(() => TaskVector.Dot(a, b), named);
        Refused<ArgumentException>(() => TaskVector.Cosine(a, b), named);
        using var zero32 = new Mlp([4, 3]).Initialize(0);
        Refused<ArgumentException>(() => a.ApplyTo(zero32), "τ and θ0", named);
        var lin = new Mlp([4, 3]).Linearize(zero32);
        Refused<ArgumentException>(() => a.ApplyTo(lin), "τ and θ0", named);
        Refused<ArgumentException>(() => lin.Forward(zeros(2, 4), a.Entries),
            "displacement entry 'fc0.weight' is Float64", "the parameter is Float32");
    }

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void A_coefficient_that_is_not_finite_is_refused(double alpha, string shown)
    {
        var model = new Mlp([4, 3]);
        using var theta0 = model.Initialize(0);
        using var thetaStar = model.Initialize(1);
        using var tau = TaskVector.Between(theta0, thetaStar);
        string[] named = ["α must be a finite number", $"got {shown}."];
        var e = Refused<ArgumentException>(() => tau.ApplyTo(theta0, alpha), named);
        Assert.Equal("alpha", e.ParamName);
        Refused<ArgumentException>(() => tau.ApplyTo(model.Linearize(theta0), alpha), named);
        Refused<ArgumentException>(() => _ = alpha * tau, named);
        Refused<ArgumentException>(() => _ = tau * alpha, named);
    }

    // --- files -----------------------------------------------------------------------------------------------

    string Saved(string name)
    {
        var path = Path.Combine(_dir, name);
        using var theta = new Mlp([16, 16]).Initialize(0);
        ParameterFiles.Save(theta, path);
        return path;
    }

    [Fact]
    public void A_safetensors_file_cut_inside_its_data_names_the_tensor_and_the_file()
    {
        var path = Saved("cut.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        Refused<InvalidDataException>(() => TaskVector.Load(path), path, "not a valid safetensors file",
            "data_offsets", "truncated?");
    }

    [Fact]
    public void A_safetensors_file_cut_inside_its_header_says_how_long_the_header_should_be()
    {
        var path = Saved("header.safetensors");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);
        Refused<InvalidDataException>(() => ParameterFiles.Load(path),
            path, "the header length field says", "only 12 follow");
    }

    [Fact]
    public void Garbage_in_a_safetensors_or_pt_file_is_named_with_the_expected_format()
    {
        var bytes = new byte[256];
        new Random(5).NextBytes(bytes);
        var st = Path.Combine(_dir, "garbage.safetensors");
        File.WriteAllBytes(st, bytes);
        Refused<InvalidDataException>(() => ParameterFiles.Load(st), st, "not a valid safetensors file");
        var pt = Path.Combine(_dir, "garbage.pt");
        File.WriteAllBytes(pt, bytes);
        Refused<InvalidDataException>(() => TaskVector.Load(pt), pt, "expected a zip archive");
        var tiny = Path.Combine(_dir, "tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        Refused<InvalidDataException>(() => ParameterFiles.Load(tiny),
            tiny, "3 bytes, fewer than the 8-byte header length");
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(_dir, "absent.safetensors");
        var e = Refused<FileNotFoundException>(() => TaskVector.Load(path), path, "not found");
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void A_state_dict_loaded_as_a_task_vector_names_the_integer_entry_and_the_file()
    {
        var path = Path.Combine(_dir, "theta.safetensors");
        using (var theta = ResNet.Tiny().Initialize(0)) ParameterFiles.Save(theta, path);
        Refused<InvalidDataException>(() => TaskVector.Load(path), path, "'bn1.num_batches_tracked' is Int64");
    }
}
