using TangentKit.Native;

namespace TangentKit.Tests;

public class NativeLoadingTests
{
    [Fact]
    public void A_tensor_is_created_and_a_backward_pass_gives_the_analytic_gradient()
    {
        var x = tensor(new[] { 1.0, -2.0, 3.0 }, dtype: ScalarType.Float64).requires_grad_(true);
        var y = (x * x * x).sum();   // d/dx x^3 = 3x^2
        y.backward();
        Assert.Equal(new[] { 3.0, 12.0, 27.0 }, x.grad!.data<double>().ToArray());
    }
}
