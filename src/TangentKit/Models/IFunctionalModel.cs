using TangentKit.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// A network written once as a function of named parameters: given plain lookups it is f(x; θ); given dual
/// lookups (θ0, δ) the same code returns (f(x; θ0), J(x; θ0)·δ). Parameter names follow PyTorch state dicts.
/// </summary>
public interface IFunctionalModel
{
    /// <summary>A short description, e.g. <c>resnet[2,2,2,3]</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Fresh parameters with PyTorch's default initialization, drawn from a generator seeded with
    /// <paramref name="seed"/>.
    /// </summary>
    ParameterSet Initialize(long seed, ScalarType dtype = ScalarType.Float32);

    /// <summary>
    /// The network's output (features) for input <paramref name="x"/> with parameters read from
    /// <paramref name="p"/>.
    /// </summary>
    Dual Forward(ParameterLookup p, Dual x);
}

/// <summary>Conveniences over <see cref="IFunctionalModel"/>.</summary>
public static class FunctionalModelExtensions
{
    /// <summary>Plain forward f(x; θ) (records autograd only if θ requires grad); θ must fit the model.</summary>
    public static Tensor Forward(this IFunctionalModel model, ParameterSet theta, Tensor x)
    {
        InputCheck.Parameters(model, theta);
        return model.Forward(theta.Lookup(), x.OnDeviceOf(theta)).Primal;
    }

    /// <summary>An encoder x ↦ f(x; θ) evaluated without autograd (evaluation of standard and edited models).</summary>
    public static Func<Tensor, Tensor> Encoder(this IFunctionalModel model, ParameterSet theta)
    {
        InputCheck.Parameters(model, theta);
        return x =>
        {
            using var _ = no_grad();
            return model.Forward(theta.Lookup(), x.OnDeviceOf(theta)).Primal;
        };
    }
}
