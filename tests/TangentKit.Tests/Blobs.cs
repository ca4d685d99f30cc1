using TangentKit.Data;

namespace TangentKit.Tests;

/// Small separable classification data for training tests: Gaussian blobs around random class centers.
static class Blobs
{
    public static LabeledData Make(int perClass, int classes, int dim, long seed, ScalarType dtype = ScalarType.Float32,
        double spread = 0.5)
    {
        var g = new Generator((ulong)seed);
        var centres = randn([classes, dim], dtype: dtype, generator: g) * 2;
        var labels = arange(classes, dtype: ScalarType.Int64).repeat_interleave(perClass);
        var inputs = centres.index_select(0, labels)
            + spread * randn([classes * perClass, dim], dtype: dtype, generator: g);
        return new LabeledData(inputs, labels);
    }
}
