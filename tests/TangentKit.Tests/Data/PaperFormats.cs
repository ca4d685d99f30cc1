namespace TangentKit.Tests.Data;

/// Python writers of the paper's datasets that are not folders of images, in the files their publishers ship:
/// SVHN's .mat (scipy.io.savemat), MNIST's raw IDX files (struct, optionally gzip'd) and the Stanford Cars devkit
/// (.mat struct arrays with the devkit's field types, JPEGs by PIL). Shared by the source tests and the paper
/// preset's data root: prepend <see cref="Prelude"/> to a <see cref="PythonOracle"/> script.
static class PaperFormats
{
    public const string Prelude = """
        import gzip, json, os, struct, numpy as np, scipy.io
        from PIL import Image

        def save_svhn(root, split, X, y, compress):
            # X [32, 32, 3, N] uint8 and y [N, 1] float64 in 1..10 (10 is the digit 0), as the SVHN site's files
            os.makedirs(f'{root}/svhn', exist_ok=True)
            scipy.io.savemat(f'{root}/svhn/{split}_32x32.mat', {'X': X, 'y': y}, do_compression=compress)

        def save_mnist(root, prefix, images, labels, gz):
            # images [N, 28, 28] uint8, labels [N] uint8: the raw IDX files torchvision downloads
            os.makedirs(f'{root}/MNIST/raw', exist_ok=True)
            n = len(labels)
            idx3 = struct.pack('>IIII', 0x0803, n, 28, 28) + images.astype(np.uint8).tobytes()
            idx1 = struct.pack('>II', 0x0801, n) + labels.astype(np.uint8).tobytes()
            for name, data in [(f'{prefix}-images-idx3-ubyte', idx3), (f'{prefix}-labels-idx1-ubyte', idx1)]:
                if gz:
                    with gzip.open(f'{root}/MNIST/raw/{name}.gz', 'wb') as f: f.write(data)
                else:
                    open(f'{root}/MNIST/raw/{name}', 'wb').write(data)

        def cars_folders(root):
            for d in ['cars_train', 'cars_test', 'devkit']: os.makedirs(f'{root}/stanford_cars/{d}', exist_ok=True)

        def save_cars_meta(root, names, compress):
            cars_folders(root)
            cell = np.empty((1, len(names)), dtype=object)
            cell[0, :] = names
            scipy.io.savemat(f'{root}/stanford_cars/devkit/cars_meta.mat', {'class_names': cell},
                             do_compression=compress)

        def save_cars_split(root, split, records, compress):
            # records: (file name, x1, y1, x2, y2, class from 1) per image of cars_<split>/, in the devkit's types
            cars_folders(root)
            a = np.zeros((1, len(records)), dtype=[(f, object) for f in
                          ['bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2', 'class', 'fname']])
            for i, (fname, x1, y1, x2, y2, c) in enumerate(records):
                a[0, i] = (np.array([[x1]], np.uint8), np.array([[y1]], np.uint8), np.array([[x2]], np.uint16),
                           np.array([[y2]], np.uint16), np.array([[c]], np.uint8), fname)
            path = (f'{root}/stanford_cars/devkit/cars_train_annos.mat' if split == 'train'
                    else f'{root}/stanford_cars/cars_test_annos_withlabels.mat')
            scipy.io.savemat(path, {'annotations': a}, do_compression=compress)

        """;
}
