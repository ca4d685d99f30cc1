using System.Text.Json;
using TangentKit.Data.Images;
using TangentKit.Data.Text;

namespace TangentKit.Tests.Data;

/// The paper's nine datasets generated under one data root, in the layouts and file formats PaperDatasets reads and
/// with their real class counts (the zero-shot heads' names): JPEG folders (DTD, EuroSAT, RESISC45 with its txt lists,
/// SUN397, ImageNet), GTSRB's PPM folders and test csv, and, written by Python, the Stanford Cars devkit (.mat by
/// scipy, JPEGs by PIL), SVHN's .mat and MNIST's IDX files. Images are small and few, each of its class's colour
/// with noise (MNIST: its class's gray level), so fine-tuning has a signal. What was written is recorded here: the
/// counts and the test files' labels are the oracles of the readers' output.
public sealed class PaperDataRoot
{
    /// Images per class in each training pool and test split (EuroSAT: also per class in its val folder).
    public const int TrainPerClass = 2, TestPerClass = 1;

    /// The digit tasks (10 classes) get more images per class.
    public const int DigitTrainPerClass = 4, DigitTestPerClass = 2;

    /// ImageNet (the control, never fine-tuned): one training and one validation image per class.
    public const int ImageNetPerClass = 1;

    /// EuroSAT's class folders, sorted (torchvision's ImageFolder order = the head's class order).
    public static readonly string[] EuroSatFolders = ["AnnualCrop", "Forest", "HerbaceousVegetation", "Highway",
        "Industrial", "Pasture", "PermanentCrop", "Residential", "River", "SeaLake"];

    PaperDataRoot(string root) => Root = root;

    /// The data root.
    public string Root { get; }

    /// Images written to each task's training pool (EuroSAT: its train folder).
    public Dictionary<string, int> Pool { get; } = [];

    /// Images written to each task's test split.
    public Dictionary<string, int> Test { get; } = [];

    /// Images written to EuroSAT's val folder.
    public int EuroSatValidation { get; private set; }

    /// The test files of the tasks written here as image files, with the label each was written for.
    public Dictionary<string, List<(string File, long Label)>> TestFiles { get; } = [];

    static IReadOnlyList<string> Names(string task) => ZeroShotPrompts.Get(task).Classes;

    /// Writes every dataset under `root` (created); needs Debian's Python with numpy, scipy and PIL.
    public static PaperDataRoot Write(string root)
    {
        var data = new PaperDataRoot(root);
        Directory.CreateDirectory(root);
        data.Folders();
        data.Gtsrb();
        data.Resisc45();
        data.WithPython();
        return data;
    }

    int _seed;

    // Class c's k-th image of a split; sizes vary a little so that preprocessing resizes and crops.
    RgbImage Image(int label, int k) => ImageFixtures.ClassColored(label, ++_seed, 16 + 4 * (k % 2), 16);

    void Record(string task, string file, long label)
    {
        if (!TestFiles.TryGetValue(task, out var list)) TestFiles[task] = list = [];
        list.Add((file, label));
    }

    // One class folder per class for each split: (split folder, images per class, is it the test split).
    void ClassFolders(string task, IReadOnlyList<string> folders, string extension,
        params (string Folder, int PerClass, bool IsTest)[] splits)
    {
        foreach (var (split, perClass, isTest) in splits)
            for (int c = 0; c < folders.Count; c++)
                for (int k = 0; k < perClass; k++)
                {
                    var file = Path.Combine(Root, split, folders[c], $"{folders[c]}_{k + 1:D4}{extension}");
                    ImageFixtures.WriteJpeg(file, Image(c, k));
                    if (isTest) Record(task, file, c);
                }
    }

    void Folders()
    {
        var dtd = Names("dtd").Select(n => n.Replace(' ', '_')).ToList();
        ClassFolders("dtd", dtd, ".jpg", ("dtd/train", TrainPerClass, false), ("dtd/val", TestPerClass, true));
        (Pool["dtd"], Test["dtd"]) = (dtd.Count * TrainPerClass, dtd.Count * TestPerClass);

        ClassFolders("eurosat", EuroSatFolders, ".jpg", ("EuroSAT_splits/train", TrainPerClass, false),
            ("EuroSAT_splits/val", TestPerClass, false), ("EuroSAT_splits/test", TestPerClass, true));
        (Pool["eurosat"], Test["eurosat"]) = (10 * TrainPerClass, 10 * TestPerClass);
        EuroSatValidation = 10 * TestPerClass;

        // SUN397's folders are the class name behind a letter and an underscore (a_abbey, …).
        var sun = Names("sun397").Select(n => $"{n[0]}_{n.Replace(' ', '_')}").ToList();
        ClassFolders("sun397", sun, ".jpg", ("sun397/train", TrainPerClass, false), ("sun397/val", TestPerClass, true));
        (Pool["sun397"], Test["sun397"]) = (sun.Count * TrainPerClass, sun.Count * TestPerClass);

        // WordNet ids whose sorted order is the head's class order.
        var wnids = Enumerable.Range(0, 1000).Select(i => $"n{1440764 + 37 * i:D8}").ToList();
        ClassFolders("imagenet", wnids, ".JPEG", ("imagenet/train", ImageNetPerClass, false),
            ("imagenet/val_in_folder", ImageNetPerClass, true));
        (Pool["imagenet"], Test["imagenet"]) = (1000 * ImageNetPerClass, 1000 * ImageNetPerClass);
    }

    // GTSRB: PPM class folders 00000 … 00042 (with their per-class csv), the test images in one folder, their labels
    // in GT-final_test.csv.
    void Gtsrb()
    {
        var lines = new List<string> { "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId" };
        int test = 0;
        for (int c = 0; c < 43; c++)
        {
            var folder = Path.Combine(Root, "gtsrb", "GTSRB", "Training", $"{c:D5}");
            var csv = new List<string> { "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId" };
            for (int k = 0; k < TrainPerClass; k++)
            {
                var image = Image(c, k);
                ImageFixtures.WritePpm(Path.Combine(folder, $"00000_{k:D5}.ppm"), image);
                csv.Add($"00000_{k:D5}.ppm;{image.Width};{image.Height};1;1;{image.Width - 1};{image.Height - 1};{c}");
            }
            File.WriteAllLines(Path.Combine(folder, $"GT-{c:D5}.csv"), csv);
            for (int k = 0; k < TestPerClass; k++)
            {
                var image = Image(c, k);
                var file = Path.Combine(Root, "gtsrb", "GTSRB", "Final_Test", "Images", $"{test:D5}.ppm");
                ImageFixtures.WritePpm(file, image);
                lines.Add($"{test++:D5}.ppm;{image.Width};{image.Height};1;1;{image.Width - 1};{image.Height - 1};{c}");
                Record("gtsrb", file, c);
            }
        }
        File.WriteAllLines(Path.Combine(Root, "gtsrb", "GT-final_test.csv"), lines);
        (Pool["gtsrb"], Test["gtsrb"]) = (43 * TrainPerClass, test);
    }

    // RESISC45: one folder of 45 class folders, split by the file names listed in resisc45-{train,test}.txt.
    void Resisc45()
    {
        var names = Names("resisc45");
        var train = new List<string>();
        var test = new List<string>();
        for (int c = 0; c < names.Count; c++)
        {
            var folder = names[c].Replace(' ', '_');
            for (int k = 0; k < TrainPerClass + TestPerClass; k++)
            {
                var name = $"{folder}_{k + 1:D3}.jpg";
                var file = Path.Combine(Root, "resisc45", "NWPU-RESISC45", folder, name);
                ImageFixtures.WriteJpeg(file, Image(c, k));
                if (k < TrainPerClass) train.Add(name);
                else
                {
                    test.Add(name);
                    Record("resisc45", file, c);
                }
            }
        }
        File.WriteAllLines(Path.Combine(Root, "resisc45", "resisc45-train.txt"), train);
        File.WriteAllLines(Path.Combine(Root, "resisc45", "resisc45-test.txt"), test);
        (Pool["resisc45"], Test["resisc45"]) = (train.Count, test.Count);
    }

    // Cars, MNIST and SVHN in their publishers' formats, written by scipy, PIL and struct/gzip.
    void WithPython()
    {
        var spec = Path.Combine(Root, "fixture-spec.json");
        File.WriteAllText(spec, JsonSerializer.Serialize(new
        {
            cars = Names("cars"), train = TrainPerClass, test = TestPerClass, digit_train = DigitTrainPerClass,
            digit_test = DigitTestPerClass,
        }));
        PythonOracle.Run(PaperFormats.Prelude + """
            spec = json.load(open('fixture-spec.json'))
            rng = np.random.default_rng(17)

            def colored(c, h, w):
                # the class colour of ImageFixtures.ClassColored, with noise of ±24
                colour = np.array([37 * c % 200 + 28, 91 * c % 200 + 28, 53 * c % 200 + 28])
                return (colour[None, None, :] + rng.integers(-24, 25, size=(h, w, 3))).astype(np.uint8)

            names = spec['cars']
            save_cars_meta('.', names, True)
            for split, per, z in [('train', spec['train'], True), ('test', spec['test'], False)]:
                records = []
                for c in range(len(names)):
                    for k in range(per):
                        fname = f'{len(records) + 1:05d}.jpg'
                        h, w = 16 + 2 * (k % 2), 16 + 4 * ((c + k) % 3)
                        Image.fromarray(colored(c, h, w), 'RGB').save(f'stanford_cars/cars_{split}/{fname}', quality=90)
                        records.append((fname, 1, 1, w, h, c + 1))
                save_cars_split('.', split, records, z)

            for prefix, per, gz in [('train', spec['digit_train'], True), ('t10k', spec['digit_test'], False)]:
                labels = np.repeat(np.arange(10), per).astype(np.uint8)
                images = labels[:, None, None] * 24 + rng.integers(0, 16, size=(len(labels), 28, 28))
                save_mnist('.', prefix, images.astype(np.uint8), labels, gz)

            for split, per, z in [('train', spec['digit_train'], True), ('test', spec['digit_test'], False)]:
                digits = np.repeat(np.arange(10), per)
                X = np.stack([colored(int(d), 32, 32) for d in digits], axis=3)         # [32, 32, 3, N]
                y = np.where(digits == 0, 10, digits).astype(np.float64)[:, None]     # SVHN's 10 is the digit 0
                save_svhn('.', split, X, y, z)
            """, Root);
        File.Delete(spec);
        foreach (var f in Directory.GetFiles(Root, "oracle-*.py")) File.Delete(f);
        (Pool["cars"], Test["cars"]) = (196 * TrainPerClass, 196 * TestPerClass);
        (Pool["mnist"], Test["mnist"]) = (10 * DigitTrainPerClass, 10 * DigitTestPerClass);
        (Pool["svhn"], Test["svhn"]) = (10 * DigitTrainPerClass, 10 * DigitTestPerClass);
    }
}
