using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) over named tensors, with its state (step, first and second moments) as named
/// tensors so that a checkpoint restores it exactly. Decoupled decay acts on (parameter + decay offset): the offset is
/// θ0 when training δ = θ − θ0, so the decay pulls θ toward 0 as in the reference code.
/// </summary>
public sealed class AdamW : IDisposable
{
    /// <summary>β1, β2 and ε as in PyTorch's defaults.</summary>
    public const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    /// <summary>A fresh optimizer with zero moments shaped like <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        foreach (var (name, p) in parameters)
        {
            FirstMoment.Add(name, zeros_like(p));
            SecondMoment.Add(name, zeros_like(p));
        }
    }

    /// <summary>Steps taken so far (bias corrections use it).</summary>
    public long StepCount { get; set; }

    /// <summary>m: exponential average of gradients.</summary>
    public ParameterSet FirstMoment { get; } = new();

    /// <summary>v: exponential average of squared gradients.</summary>
    public ParameterSet SecondMoment { get; } = new();

    /// <summary>
    /// One in-place update: p ← p − lr·wd·(p + offset); m, v updated; p ← p − lr·m̂/(√v̂ + ε).
    /// </summary>
    public void Step(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> gradients,
        double lr, double weightDecay, IReadOnlyDictionary<string, Tensor>? decayOffset = null)
    {
        StepCount++;
        double bias1 = 1 - Math.Pow(Beta1, StepCount), bias2 = 1 - Math.Pow(Beta2, StepCount);
        using var noGrad = no_grad();
        foreach (var name in FirstMoment.Names)
        {
            using var scope = NewDisposeScope();                 // one parameter's temporaries at a time
            var p = parameters[name];
            var g = gradients[name];
            if (weightDecay != 0)
            {
                var decayed = decayOffset is not null && decayOffset.TryGetValue(name, out var offset) ? p + offset : p;
                p.sub_(decayed * (lr * weightDecay));
            }
            var m = FirstMoment[name].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            var v = SecondMoment[name].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = (v / bias2).sqrt_().add_(Epsilon);
            p.addcdiv_(m, denominator, value: -lr / bias1);
        }
    }

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
