using TangentKit.Data.Images;
using TangentKit.Data.Readers;

namespace TangentKit.Tests.Data;

/// SVHN, MNIST and Stanford Cars sources on tiny fixtures in their real layouts, written by scipy.io.savemat, PIL and
/// Python's struct/gzip; the script writes what each image and label must be, derived as torchvision derives it.
public sealed class PaperSourceTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("tangentkit-sources-").FullName;
    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Svhn_images_and_labels_are_torchvision_s()
    {
        // train compressed, test uncompressed; torchvision: data = transpose(X, (3, 2, 0, 1)), labels 10 → 0
        PythonOracle.Run(PaperFormats.Prelude + """
            rng = np.random.default_rng(5)
            for split, n, z in [('train', 7, True), ('test', 4, False)]:
                X = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
                y = rng.integers(1, 11, size=(n, 1)).astype(np.float64)
                y[0, 0] = 10
                save_svhn('.', split, X, y, z)
                nchw = np.transpose(X, (3, 2, 0, 1))
                np.ascontiguousarray(np.transpose(nchw, (0, 2, 3, 1))).tofile(f'{split}.rgb')   # [N, H, W, C]
                labels = y[:, 0].astype(np.int64); labels[labels == 10] = 0
                labels.tofile(f'{split}.labels')
            """, _root);
        foreach (var (split, n) in new[] { ("train", 7), ("test", 4) })
        {
            var source = new SvhnSource(_root, split);
            Assert.Equal(n, source.Count);
            var labels = File.ReadAllBytes(Path.Combine(_root, $"{split}.labels"));
            Assert.Equal(Enumerable.Range(0, n).Select(i => BitConverter.ToInt64(labels, 8 * i)), source.Labels);
            Assert.Equal(0, source.Labels[0]);
            var rgb = File.ReadAllBytes(Path.Combine(_root, $"{split}.rgb"));
            for (int i = 0; i < n; i++)
            {
                var image = source.Decode(i);
                Assert.Equal((32, 32), (image.Width, image.Height));
                Assert.Equal(rgb.AsSpan(i * 3072, 3072).ToArray(), image.Pixels);
            }
            Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], source.ClassNames);
        }
    }

    [Fact]
    public void Mnist_raw_idx_files_plain_and_gzipped_are_read()
    {
        PythonOracle.Run(PaperFormats.Prelude + """
            rng = np.random.default_rng(2)
            for prefix, n, gz in [('train', 6, True), ('t10k', 3, False)]:
                images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
                labels = rng.integers(0, 10, size=n, dtype=np.uint8)
                save_mnist('.', prefix, images, labels, gz)
                np.repeat(images[..., None], 3, axis=3).tofile(f'{prefix}.rgb')      # PIL convert('RGB') of 'L'
                labels.tofile(f'{prefix}.labels')
            """, _root);
        foreach (var (train, prefix, n) in new[] { (true, "train", 6), (false, "t10k", 3) })
        {
            var source = new MnistSource(_root, train);
            Assert.Equal(n, source.Count);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_root, $"{prefix}.labels")).Select(b => (long)b),
                source.Labels);
            var rgb = File.ReadAllBytes(Path.Combine(_root, $"{prefix}.rgb"));
            for (int i = 0; i < n; i++)
                Assert.Equal(rgb.AsSpan(i * 784 * 3, 784 * 3).ToArray(), source.Decode(i).Pixels);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stanford_cars_follows_the_devkit(bool compressed)
    {
        // the images are JPEGs, as the dataset's, and the expected pixels are PIL's decode of each
        PythonOracle.Run(PaperFormats.Prelude + $$"""
            z = {{(compressed ? "True" : "False")}}
            base = 'stanford_cars'
            save_cars_meta('.', ['AM General Hummer SUV 2000', 'Acura RL Sedan 2012', 'smart fortwo Convertible 2012'],
                           z)
            rng = np.random.default_rng(9)
            for split, n in [('train', 4), ('test', 3)]:
                records = []
                classes = rng.integers(1, 4, size=n)
                expected = []
                for i in range(n):
                    fname = f'{i + 1:05d}.jpg'
                    w, h = int(rng.integers(20, 60)), int(rng.integers(20, 60))
                    img = Image.fromarray(rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8), 'RGB')
                    if i == 1: img = img.convert('L')                                   # Cars has gray JPEGs
                    img.save(f'{base}/cars_{split}/{fname}', quality=90)
                    np.asarray(Image.open(f'{base}/cars_{split}/{fname}').convert('RGB')).tofile(f'{split}{i}.rgb')
                    records.append((fname, 1, 2, w, h, int(classes[i])))
                    expected.append(f'{classes[i] - 1} {w} {h}')
                save_cars_split('.', split, records, z)
                open(f'{split}.txt', 'w').write('\n'.join(expected))
            """, _root);
        foreach (var (train, split) in new[] { (true, "train"), (false, "test") })
        {
            var source = new StanfordCarsSource(_root, train);
            Assert.Equal(["AM General Hummer SUV 2000", "Acura RL Sedan 2012", "smart fortwo Convertible 2012"],
                source.ClassNames);
            var expected = File.ReadAllLines(Path.Combine(_root, $"{split}.txt")).Select(l => l.Split(' ')).ToList();
            Assert.Equal(expected.Select(e => long.Parse(e[0])), source.Labels);
            for (int i = 0; i < source.Count; i++)
            {
                var image = source.Decode(i);
                Assert.Equal((int.Parse(expected[i][1]), int.Parse(expected[i][2])), (image.Width, image.Height));
                var pil = File.ReadAllBytes(Path.Combine(_root, $"{split}{i}.rgb"));
                Assert.True(ImageDecodingTests.MaxDifference(pil, image.Pixels) <= ImageDecodingTests.JpegTolerance,
                    $"{split} image {i} differs from PIL's decode");
            }
        }
    }

    [Fact]
    public void Missing_files_say_where_they_are_expected_and_how_to_get_them()
    {
        var svhn = Assert.Throws<FileNotFoundException>(() => new SvhnSource(_root, "train")).Message;
        Assert.Contains(Path.Combine(_root, "svhn", "train_32x32.mat"), svhn);
        Assert.Contains("torchvision.datasets.SVHN(root, split='train', download=True)", svhn);
        var mnist = Assert.Throws<FileNotFoundException>(() => new MnistSource(_root, false)).Message;
        Assert.Contains(Path.Combine(_root, "MNIST", "raw", "t10k-images-idx3-ubyte"), mnist);
        Assert.Contains("torchvision.datasets.MNIST(root, train=False, download=True)", mnist);
        var cars = Assert.Throws<FileNotFoundException>(() => new StanfordCarsSource(_root, true)).Message;
        Assert.Contains(Path.Combine(_root, "stanford_cars", "devkit", "cars_meta.mat"), cars);
        Assert.Throws<ArgumentException>(() => new SvhnSource(_root, "val"));
    }
}
