using TangentKit.Data;

namespace TangentKit.Tests.Data;

/// The random resized crop against bilinear resampling of a linear ramp (exact for a linear image) and its seeding.
public class AugmentationTests
{
    [Fact]
    public void A_crop_of_a_linear_ramp_samples_it_at_the_box_coordinates()
    {
        // I(y, x) = x on an 8×8 image. Output column j of a box of width w centered at cx samples the normalized
        // coordinate u = cx + w((2j + 1)/8 − 1), i.e. source column ((u + 1)·8 − 1)/2, where the ramp has that value.
        var ramp = arange(8, dtype: ScalarType.Float32).view(1, 1, 1, 8).expand(2, 3, 8, 8).contiguous();
        double w = 0.5, cx = 0.25;
        using var crop = RandomResizedCrop.Resample(ramp, w, 1, cx, 0);
        for (int j = 0; j < 8; j++)
        {
            double u = cx + w * ((2 * j + 1) / 8.0 - 1);
            Assert.Equal(((u + 1) * 8 - 1) / 2, crop[1, 2, 5, j].ToSingle(), 4);
        }
    }

    [Fact]
    public void Crops_are_seeded_by_step_and_stay_inside_the_image()
    {
        var x = randn([4, 3, 16, 16], generator: new Generator(1));
        using var a = RandomResizedCrop.Apply(x, 0.9, seed: 7, step: 3);
        using var again = RandomResizedCrop.Apply(x, 0.9, seed: 7, step: 3);
        using var next = RandomResizedCrop.Apply(x, 0.9, seed: 7, step: 4);
        Assert.Equal(x.shape, a.shape);
        Assert.True(a.equal(again).all().ToBoolean());
        Assert.False(a.allclose(next));
        Assert.False(a.allclose(x));                                    // something was cropped
        // Bilinear samples inside the image never leave the range of the pixels.
        Assert.True(a.max().ToSingle() <= x.max().ToSingle() + 1e-5 && a.min().ToSingle() >= x.min().ToSingle() - 1e-5);
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomResizedCrop.Apply(x, 1.5, 0, 0));
    }
}
