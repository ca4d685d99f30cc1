using System.Text;
using TangentKit.Data;
using TangentKit.Data.Readers;

namespace TangentKit.Tests.Data;

public sealed class ReaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-readers-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Gz(string name, byte[] content) => GzipFixture.Write(Path.Combine(_dir, name), content);

    [Fact]
    public void Idx_images_are_read_with_big_endian_dimensions()
    {
        // magic 00 00 08 03, dims 2 × 2 × 3, then 12 pixels
        var bytes = new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3 }
            .Concat(Enumerable.Range(0, 12).Select(i => (byte)i)).ToArray();
        var (dims, data) = IdxReader.Read(Gz("imgs-idx3-ubyte.gz", bytes));
        Assert.Equal(new[] { 2, 2, 3 }, dims);
        Assert.Equal(11, data[^1]);
    }

    [Fact]
    public void A_truncated_idx_file_is_named()
    {
        var bytes = new byte[] { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2 };
        var path = Gz("short.gz", bytes);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => IdxReader.Read(path)).Message);
    }

    [Fact]
    public void Mnist_json_values_become_bytes()
    {
        var values = Enumerable.Range(0, 784 * 2).Select(i => (i % 256) / 255.0).ToArray();
        var path = Path.Combine(_dir, "3.json");
        File.WriteAllText(path, "{\"data\":["
            + string.Join(",", values.Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))
            + "]}");
        var bytes = MnistJsonReader.ReadDigitFile(path);
        Assert.Equal(784 * 2, bytes.Length);
        Assert.Equal(200, bytes[200]);
    }

    [Fact]
    public void Optdigits_rows_are_scaled_from_0_16_to_bytes()
    {
        var row = string.Join(",", Enumerable.Repeat("16", 63).Append("0").Append("7"));
        var (pixels, labels) = OptDigitsReader.Read(Gz("digits.csv.gz", Encoding.ASCII.GetBytes(row + "\n")));
        Assert.Equal(new long[] { 7 }, labels);
        Assert.Equal(255, pixels[0]);
        Assert.Equal(0, pixels[63]);
    }

    [Fact]
    public void A_bad_optdigits_row_names_the_line()
    {
        var path = Gz("bad.csv.gz", Encoding.ASCII.GetBytes("1,2,3\n"));
        Assert.Contains($"{path}:1", Assert.Throws<InvalidDataException>(() => OptDigitsReader.Read(path)).Message);
    }

    [Fact]
    public void Splits_are_disjoint_seeded_and_preprocessed_for_the_backbone()
    {
        // 48 images of 8×8 whose every pixel is the image index: recover which images went where.
        var pixels = Enumerable.Range(0, 48).SelectMany(i => Enumerable.Repeat((byte)i, 64)).ToArray();
        var images = new GrayImages(pixels, 8, 8, Enumerable.Range(0, 48).Select(i => (long)(i % 4)).ToArray());
        float[] means = [10, 20, 30];
        var sizes = new SplitSizes(20, 10, 10, SupportPerClass: 2);
        using var task = ImageTask.FromPool("toy", ["a", "b", "c", "d"], images, null, sizes, seed: 3, imageSize: 32,
            means);
        Assert.Equal(new long[] { 20, 3, 32, 32 }, task.Train.Inputs.shape);
        long[] Ids(TangentKit.Data.LabeledData d) => Enumerable.Range(0, (int)d.Count)
            .Select(i => (long)Math.Round(d.Inputs[i, 0, 5, 5].ToSingle() + 10)).ToArray();
        var all = Ids(task.Support).Concat(Ids(task.Train)).Concat(Ids(task.Validation)).Concat(Ids(task.Test))
            .ToList();
        Assert.Equal(48, all.Distinct().Count());
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3], Ids(task.Support).Select(i => i % 4).Order());   // k per class
        Assert.Equal(Ids(task.Support).Select(i => i % 4), task.Support.Labels.data<long>().ToArray());
        Assert.Equal(task.Train.Inputs[0, 1, 0, 0].ToSingle() + 20,
            task.Train.Inputs[0, 0, 0, 0].ToSingle() + 10, 3);                                      // channel means
        using var again = ImageTask.FromPool("toy", ["a", "b", "c", "d"], images, null, sizes, seed: 3, imageSize: 32,
            means);
        Assert.True(again.Test.Inputs.equal(task.Test.Inputs).all().ToBoolean());
    }

    [Fact]
    public void Letters_render_from_a_font_into_distinct_images()
    {
        var folder = TangentKit.Data.Fetching.ArtifactFetcher.Fetch(
            TangentKit.Data.Fetching.DataManifest.Get("fonts-dejavu-core"));
        var fonts = Directory.GetFiles(folder, "*.ttf");
        var images = Datasets.Letters(fonts, count: 20, size: 32, seed: 1);
        Assert.Equal(20 * 32 * 32, images.Pixels.Length);
        for (int i = 0; i < 20; i++)
            Assert.True(images.Pixels.Skip(i * 1024).Take(1024).Count(p => p > 128) > 20,
                $"letter {i} is (nearly) empty");
    }
}
