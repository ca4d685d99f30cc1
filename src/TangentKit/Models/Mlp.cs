using TangentKit.Autodiff;
using TorchSharp;
using static TangentKit.Autodiff.DualOps;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// A multilayer perceptron <c>fc0 → act → fc1 → … → fc{L-1}</c> on flattened inputs (tests and the tiny preset).
/// </summary>
/// <param name="Sizes">Layer widths, input first, e.g. [64, 32, 16].</param>
/// <param name="Activation">Non-linearity between layers.</param>
public sealed record Mlp(int[] Sizes, Activation Activation = Activation.Gelu) : IFunctionalModel
{
    /// <inheritdoc />
    public string Name => $"mlp[{string.Join("-", Sizes)}]";

    /// <inheritdoc />
    public ParameterSet Initialize(long seed, ScalarType dtype = ScalarType.Float32) =>
        Initialize(new Init(seed, dtype));

    internal ParameterSet Initialize(Init init)
    {
        var set = new ParameterSet();
        for (int i = 0; i + 1 < Sizes.Length; i++)
        {
            set.Add($"fc{i}.weight", init.Weight([Sizes[i + 1], Sizes[i]]));
            set.Add($"fc{i}.bias", init.Bias(Sizes[i + 1], Sizes[i]));
        }
        return set;
    }

    /// <inheritdoc />
    public Dual Forward(ParameterLookup p, Dual x)
    {
        InputCheck.Features(this, x, p("fc0.weight"), Sizes[0]);
        x = Flatten(x);
        for (int i = 0; i + 1 < Sizes.Length; i++)
        {
            x = Linear(x, p($"fc{i}.weight"), p($"fc{i}.bias"));
            if (i + 2 < Sizes.Length) x = Activate(x, Activation);
        }
        return x;
    }
}
