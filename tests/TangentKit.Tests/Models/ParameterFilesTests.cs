using System.IO.Compression;
using TangentKit.Models;

namespace TangentKit.Tests.Models;

public sealed class ParameterFilesTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-files-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_pytorch_state_dict_is_a_zip_with_data_pkl_and_round_trips()
    {
        var model = ResNet.Tiny();
        using var theta = model.Initialize(3);
        var path = Path.Combine(_dir, "theta.pt");
        ParameterFiles.Save(theta, path);
        using (var zip = ZipFile.OpenRead(path))
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("data.pkl"));
        using var back = ParameterFiles.LoadLike(path, model.Initialize(0));
        Assert.Equal(theta.Names, back.Names);
        foreach (var n in theta.Names) Assert.True(theta[n].equal(back[n]).all().item<bool>(), n);
        Assert.True(back.IsBuffer("bn1.running_var"));
    }

    [Fact]
    public void Loading_into_a_model_with_other_names_or_shapes_lists_them()
    {
        var path = Path.Combine(_dir, "mlp.safetensors");
        using (var small = new Mlp([4, 3]).Initialize(0)) ParameterFiles.Save(small, path);
        using var template = new Mlp([4, 5, 3]).Initialize(0);
        var e = Assert.Throws<InvalidDataException>(() => ParameterFiles.LoadLike(path, template));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing (2): fc1.weight, fc1.bias", e.Message);
        Assert.Contains("fc0.weight: file [3,4], expected [5,4]", e.Message);
    }

    [Fact]
    public void A_truncated_file_gives_an_error_naming_it()
    {
        var path = Path.Combine(_dir, "cut.safetensors");
        using (var theta = new Mlp([16, 16]).Initialize(0)) ParameterFiles.Save(theta, path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => ParameterFiles.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Saving_over_an_existing_file_replaces_it_whole()
    {
        var path = Path.Combine(_dir, "over.safetensors");
        using (var big = new Mlp([64, 64]).Initialize(0)) ParameterFiles.Save(big, path);
        using var small = new Mlp([2, 2]).Initialize(0);
        ParameterFiles.Save(small, path);
        using var back = ParameterFiles.Load(path);
        Assert.Equal(small.Names, back.Names);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }
}
