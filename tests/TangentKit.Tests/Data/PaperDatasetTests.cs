using TangentKit.Data.Images;
using TangentKit.Data.Paper;
using TangentKit.Data.Text;

namespace TangentKit.Tests.Data;

/// The paper's folder layouts, each generated in a temporary data root and read back against the file → label table
/// known by hand (torchvision's ImageFolder order: sorted class folders, then sorted folder paths and file names); the
/// validation rule on hand-computed sizes; errors that name the missing path.
public sealed class PaperDatasetTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), $"tangentkit-paper-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    string At(params string[] parts) => Path.Combine([_root, .. parts]);

    // The files of a source relative to the data root, with their labels.
    (string File, long Label)[] Table(IImageSource source) =>
        ((FileListSource)source).Files.Select(f => Path.GetRelativePath(_root, f)).Zip(source.Labels).ToArray();

    static IReadOnlyList<string> Names(string task) => ZeroShotPrompts.Get(task).Classes;

    [Fact]
    public void Image_folders_sort_classes_by_code_point_and_walk_nested_folders_in_torchvision_order()
    {
        // Class folders "B" < "a" < "a_b" < "ab" (ordinal); inside "a": folders a < a/sub < a/sub-2 < a/sub/x,
        // because '-' (0x2D) sorts before '/' (0x2F) in the paths os.walk yields.
        int id = 0;
        foreach (var f in new[] { "ab/1.png", "a/z.png", "a/sub/x/d.png", "a/sub-2/c.PNG", "a/sub/b.png", "B/q.bmp",
                     "a_b/k.jpeg", "a/notes.txt" })
            ImageFixtures.WritePng(At("f", f), ImageFixtures.Tagged(id++));
        var (source, classes) = ImageFolder.Read(At("f"), "f", ImageFixtures.Decode);
        Assert.Equal(["B", "a", "a_b", "ab"], classes);
        Assert.Equal([("f/B/q.bmp", 0L), ("f/a/z.png", 1), ("f/a/sub/b.png", 1), ("f/a/sub-2/c.PNG", 1),
            ("f/a/sub/x/d.png", 1), ("f/a_b/k.jpeg", 2), ("f/ab/1.png", 3)], Table(source));
        Assert.Equal([5, 1, 4, 3, 2, 6, 0], Enumerable.Range(0, 7).Select(i => ImageFixtures.IdOf(source.Decode(i))));
        Directory.CreateDirectory(At("f", "empty"));
        var e = Assert.Throws<InvalidDataException>(() => ImageFolder.Read(At("f"), "f", ImageFixtures.Decode));
        Assert.Contains("empty", e.Message);
    }

    [Theory]
    [InlineData(3760, 376)]     // DTD
    [InlineData(60000, 5000)]   // MNIST: the cap
    [InlineData(9, 0)]
    [InlineData(26640, 2664)]   // GTSRB
    [InlineData(8144, 814)]     // Cars
    [InlineData(73257, 5000)]   // SVHN
    [InlineData(49999, 4999)]
    public void The_validation_split_is_a_tenth_of_the_pool_capped_at_5000(int n, int v)
    {
        Assert.Equal(v, ValidationSplit.Size(n));
        var (train, validation) = ValidationSplit.Draw(n);
        Assert.Equal(n - v, train.Length);
        Assert.Equal(v, validation.Length);
        Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), train.Concat(validation).Order());
    }

    // One tagged PNG per (folder, file) pair; returns the ids written, in order.
    void Write(string folder, IEnumerable<string> files, ref int id)
    {
        foreach (var f in files) ImageFixtures.WritePng(Path.Combine(folder, f), ImageFixtures.Tagged(id++));
    }

    [Fact]
    public void DTD_reads_train_and_val_folders_and_holds_out_a_tenth_of_train()
    {
        var names = Names("dtd");
        int id = 0;
        for (int c = 0; c < names.Count; c++)
        {
            Write(At("dtd", "train", names[c]), [$"{names[c]}_0001.jpg", $"{names[c]}_0002.jpg"], ref id);
            Write(At("dtd", "val", names[c]), [$"{names[c]}_0100.jpg"], ref id);
        }
        var task = PaperDatasets.Open("dtd", _root, ImageFixtures.Decode);
        Assert.Equal(names, task.Classes);
        var train = Table(task.Train.Source);
        Assert.Equal(94, train.Length);
        Assert.Equal(("dtd/train/banded/banded_0001.jpg", 0L), train[0]);
        Assert.Equal(("dtd/train/polka-dotted/polka-dotted_0002.jpg", 30L), train[61]);
        Assert.Equal(("dtd/train/zigzagged/zigzagged_0002.jpg", 46L), train[93]);
        Assert.Equal(("dtd/val/chequered/chequered_0100.jpg", 5L), Table(task.Test.Source)[5]);
        Assert.Equal(47, task.Test.Count);
        Assert.False(task.RegisteredValidation);
        Assert.Equal(9, task.Validation.Count);                     // int(0.1 · 94)
        Assert.Equal(85, task.Train.Count);
        Assert.Same(task.Train.Source, task.Validation.Source);
        Assert.Empty(task.Train.Indices.Intersect(task.Validation.Indices));
        // file ids: class c's train images were written as 3c and 3c + 1
        Assert.Equal(3 * 30 + 1, ImageFixtures.IdOf(task.Train.Source.Decode(61)));
    }

    [Fact]
    public void EuroSAT_uses_its_registered_val_folder()
    {
        var folders = PaperDataRoot.EuroSatFolders;
        int id = 0;
        foreach (var split in new[] { "train", "val", "test" })
            foreach (var f in folders) Write(At("EuroSAT_splits", split, f), [$"{f}_1.jpg", $"{f}_2.jpg"], ref id);
        var task = PaperDatasets.Open("EuroSAT", _root, ImageFixtures.Decode);
        Assert.True(task.RegisteredValidation);
        Assert.Equal(20, task.Train.Count);                         // nothing carved out of train
        Assert.Equal(20, task.Validation.Count);
        Assert.Equal(("EuroSAT_splits/val/SeaLake/SeaLake_2.jpg", 9L), Table(task.Validation.Source)[19]);
        Assert.Equal(("EuroSAT_splits/test/Highway/Highway_1.jpg", 3L), Table(task.Test.Source)[6]);
        Assert.Equal("brushland or shrubland", task.Classes[2]);
    }

    [Fact]
    public void GTSRB_reads_ppm_class_folders_and_the_test_csv()
    {
        int id = 0;
        for (int c = 0; c < 43; c++)
        {
            var folder = At("gtsrb", "GTSRB", "Training", $"{c:D5}");
            ImageFixtures.WritePpm(Path.Combine(folder, $"00000_{c:D5}.ppm"), ImageFixtures.Tagged(id++));
            File.WriteAllText(Path.Combine(folder, $"GT-{c:D5}.csv"), "Filename;ClassId\n");
        }
        ImageFixtures.WritePpm(At("gtsrb", "GTSRB", "Training", "00007", "00001_00000.ppm"), ImageFixtures.Tagged(99));
        foreach (var f in new[] { "00000.ppm", "00001.ppm", "00002.ppm" })
            ImageFixtures.WritePpm(At("gtsrb", "GTSRB", "Final_Test", "Images", f), ImageFixtures.Tagged(id++));
        File.WriteAllText(At("gtsrb", "GT-final_test.csv"),
            "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n00000.ppm;53;54;6;5;48;49;16\n" +
            "00001.ppm;42;45;5;5;36;40;1\n00002.ppm;48;52;6;6;43;47;38\n");
        var task = PaperDatasets.Open("gtsrb", _root, ImageFixtures.Decode);
        var train = Table(task.Train.Source);
        Assert.Equal(44, train.Length);                             // the per-class csv files are not images
        Assert.Equal(("gtsrb/GTSRB/Training/00007/00000_00007.ppm", 7L), train[7]);
        Assert.Equal(("gtsrb/GTSRB/Training/00007/00001_00000.ppm", 7L), train[8]);
        Assert.Equal(99, ImageFixtures.IdOf(task.Train.Source.Decode(8)));
        Assert.Equal([("gtsrb/GTSRB/Final_Test/Images/00000.ppm", 16L), ("gtsrb/GTSRB/Final_Test/Images/00001.ppm", 1),
            ("gtsrb/GTSRB/Final_Test/Images/00002.ppm", 38)], Table(task.Test.Source));
        Assert.Equal(44, ImageFixtures.IdOf(task.Test.Source.Decode(1)));
        Assert.Equal(4, task.Validation.Count);

        File.AppendAllText(At("gtsrb", "GT-final_test.csv"), "00003.ppm;1;1;0;0;1;1;2\n");
        var e = Assert.Throws<FileNotFoundException>(() => PaperDatasets.Open("gtsrb", _root, ImageFixtures.Decode));
        Assert.Contains("00003.ppm", e.Message);
        File.Delete(At("gtsrb", "GT-final_test.csv"));
        var missing = Assert.Throws<FileNotFoundException>(() =>
            PaperDatasets.Open("gtsrb", _root, ImageFixtures.Decode));
        Assert.Contains(At("gtsrb", "GT-final_test.csv"), missing.Message);
        Assert.Contains("GTSRB_Final_Test_GT.zip", missing.Message);
    }

    [Fact]
    public void RESISC45_filters_one_folder_by_the_split_lists()
    {
        var names = Names("resisc45");
        int id = 0;
        var train = new List<string>();
        var test = new List<string>();
        for (int c = 0; c < names.Count; c++)
        {
            var folder = names[c].Replace(' ', '_');
            var files = Enumerable.Range(1, 3).Select(i => $"{folder}_{i:D3}.jpg").ToArray();
            Write(At("resisc45", "NWPU-RESISC45", folder), files, ref id);
            train.AddRange(files[..2]);
            test.Add(files[2]);
        }
        File.WriteAllLines(At("resisc45", "resisc45-train.txt"), train);
        File.WriteAllLines(At("resisc45", "resisc45-test.txt"), test);
        var task = PaperDatasets.Open("resisc45", _root, ImageFixtures.Decode);
        var trainTable = Table(task.Train.Source);
        Assert.Equal(90, trainTable.Length);
        Assert.Equal(("resisc45/NWPU-RESISC45/railway_station/railway_station_002.jpg", 30L), trainTable[61]);
        var testTable = Table(task.Test.Source);
        Assert.Equal(45, testTable.Length);
        Assert.Equal(("resisc45/NWPU-RESISC45/wetland/wetland_003.jpg", 44L), testTable[44]);
        Assert.Equal(44 * 3 + 2, ImageFixtures.IdOf(task.Test.Source.Decode(44)));
        Assert.Equal(9, task.Validation.Count);
    }

    [Fact]
    public void SUN397_strips_two_characters_from_each_folder_and_reads_nested_files()
    {
        var names = Names("sun397");
        int id = 0;
        foreach (var split in new[] { "train", "val" })
            foreach (var name in names)
                Write(At("sun397", split, $"{name[0]}_{name.Replace(' ', '_')}"), ["sun_a.jpg"], ref id);
        Write(At("sun397", "train", "a_abbey", "extra"), ["sun_0.jpg"], ref id);
        var task = PaperDatasets.Open("sun397", _root, ImageFixtures.Decode);
        Assert.Equal("apartment building outdoor", task.Classes[8]);
        var train = Table(task.Train.Source);
        Assert.Equal([("sun397/train/a_abbey/sun_a.jpg", 0L), ("sun397/train/a_abbey/extra/sun_0.jpg", 0)],
            train[..2]);
        Assert.Equal(("sun397/train/a_apartment_building_outdoor/sun_a.jpg", 8L), train[9]);
        Assert.Equal(397, task.Test.Count);
        Assert.Equal(39, task.Validation.Count);                   // int(0.1 · 398)
    }

    [Fact]
    public void ImageNet_prefers_val_in_folder_and_sorts_the_wordnet_ids()
    {
        int id = 0;
        var wnids = Enumerable.Range(0, 1000).Select(i => $"n{(i * 7919) % 1000 + 1000:D8}").ToList();
        foreach (var w in wnids)
        {
            Write(At("imagenet", "train", w), [$"{w}_1.JPEG"], ref id);
            Write(At("imagenet", "val_in_folder", w), [$"ILSVRC2012_val_{w}.JPEG"], ref id);
        }
        Directory.CreateDirectory(At("imagenet", "val"));
        var task = PaperDatasets.Open("imagenet", _root, ImageFixtures.Decode);
        Assert.Equal(("imagenet/train/n00001000/n00001000_1.JPEG", 0L), Table(task.Train.Source)[0]);
        Assert.Equal(("imagenet/val_in_folder/n00001999/ILSVRC2012_val_n00001999.JPEG", 999L),
            Table(task.Test.Source)[999]);
        Assert.Equal(100, task.Validation.Count);
        Assert.Equal("tench", task.Classes[0]);
    }

    sealed class FakeSource(string description, long[] labels) : IImageSource
    {
        public string Description => description;
        public int Count => labels.Length;
        public long[] Labels => labels;
        public RgbImage Decode(long index) => ImageFixtures.Tagged((int)index);
    }

    [Fact]
    public void Cars_MNIST_and_SVHN_come_from_the_readers_passed_in()
    {
        Directory.CreateDirectory(_root);
        var calls = new List<(string, bool)>();
        IImageSource Digits(string root, bool train)
        {
            calls.Add((root, train));
            return new FakeSource(train ? "digits train" : "digits test",
                Enumerable.Range(0, train ? 120 : 30).Select(i => (long)(i % 10)).ToArray());
        }
        var mnist = PaperDatasets.Open("mnist", _root, ImageFixtures.Decode, mnist: Digits);
        Assert.Equal(new[] { (_root, true), (_root, false) }, calls);
        Assert.Equal((108, 12, 30), (mnist.Train.Count, mnist.Validation.Count, mnist.Test.Count));
        Assert.Equal("digits test", mnist.Test.Source.Description);
        var e = Assert.Throws<ArgumentException>(() => PaperDatasets.Open("svhn", _root, ImageFixtures.Decode));
        Assert.Contains("svhn", e.Message);
        var bad = Assert.Throws<InvalidDataException>(() => PaperDatasets.Open("cars", _root, ImageFixtures.Decode,
            cars: (_, _) => new FakeSource("cars", [0, 195, 196])));
        Assert.Contains("label 196", bad.Message);
    }

    [Fact]
    public void Missing_data_and_wrong_class_folders_are_errors_naming_the_path()
    {
        var noRoot = Assert.Throws<DirectoryNotFoundException>(() =>
            PaperDatasets.Open("dtd", At("nowhere"), ImageFixtures.Decode));
        Assert.Contains(At("nowhere"), noRoot.Message);
        Directory.CreateDirectory(_root);
        var noDtd = Assert.Throws<DirectoryNotFoundException>(() =>
            PaperDatasets.Open("dtd", _root, ImageFixtures.Decode));
        Assert.Contains(At("dtd", "train"), noDtd.Message);
        Assert.Contains("dtd-r1.0.1", noDtd.Message);
        var noSun = Assert.Throws<DirectoryNotFoundException>(() =>
            PaperDatasets.Open("sun397", _root, ImageFixtures.Decode));
        Assert.Contains(At("sun397", "train"), noSun.Message);

        int id = 0;
        foreach (var c in new[] { "banded", "blotchy", "braided" }) Write(At("dtd", "train", c), ["a.jpg"], ref id);
        var count = Assert.Throws<InvalidDataException>(() => PaperDatasets.Open("dtd", _root, ImageFixtures.Decode));
        Assert.Contains("3 class folders", count.Message);
        Assert.Contains("47 classes", count.Message);

        // 47 folders, but one misnamed: the head's names would be paired with the wrong images.
        foreach (var c in Names("dtd").Skip(3).Take(43)) Write(At("dtd", "train", c), ["a.jpg"], ref id);
        Write(At("dtd", "train", "zz_mislabeled"), ["a.jpg"], ref id);
        var name = Assert.Throws<InvalidDataException>(() => PaperDatasets.Open("dtd", _root, ImageFixtures.Decode));
        Assert.Contains("zz_mislabeled", name.Message);
        Assert.Contains("zigzagged", name.Message);
        Assert.Throws<ArgumentException>(() => PaperDatasets.Open("cifar10", _root, ImageFixtures.Decode));
    }

    [Fact]
    public void Every_paper_task_has_a_manifest_matching_its_zero_shot_head()
    {
        Assert.Equal(PaperDatasets.Tasks.Append(PaperDatasets.Control).Order(StringComparer.Ordinal),
            PaperDatasetManifest.Shipped);
        foreach (var task in PaperDatasetManifest.Shipped)
        {
            var m = PaperDatasetManifest.Get(task);
            Assert.Equal(task, m.Name);
            Assert.Equal(ZeroShotPrompts.Get(task).Classes.Count, m.Classes);
            var text = string.Join("\n", [m.Title, m.Description, m.Licence, m.Origin, m.Missing, m.Splits,
                .. m.Layout]);
            Assert.DoesNotContain("://", text);
            Assert.Contains("<root>", m.Missing);
        }
        using var broken = new MemoryStream("{\"name\": \"x\"}"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => PaperDatasetManifest.Parse(broken, "x.json"));
        Assert.Contains("'title'", e.Message);
    }
}
