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
        double bias1 = 1 - Math.Pow(Beta1, StepCount), bias2 = 1 - Math.Pow(Beta2, StepCount), decay = lr * weightDecay;
        // The step's coefficients as Scalars made once and disposed here: TorchSharp's implicit double → Scalar
        // conversions are finalizable objects, and a ResNet-18 step's ~500 of them kept ~20 MB resident until a
        // .NET garbage collection ran.
        using Scalar keep = 1 - decay, pull = -decay, beta1 = Beta1, oneMinusBeta1 = 1 - Beta1, beta2 = Beta2,
            oneMinusBeta2 = 1 - Beta2, bias2Scalar = bias2, epsilon = Epsilon, stepSize = -lr / bias1;
        using var noGrad = no_grad();
        foreach (var name in FirstMoment.Names)
        {
            using var scope = NewDisposeScope();                 // one parameter's views at a time
            var p = parameters[name];
            var g = gradients[name];
            // Every update is in place, into the moments or one scratch buffer: no parameter-sized temporaries.
            if (weightDecay != 0)
            {
                p.mul_(keep);                                    // p − lr·wd·(p + offset)
                if (decayOffset is not null && decayOffset.TryGetValue(name, out var offset))
                    p.add_(offset, alpha: pull);
            }
            var m = FirstMoment[name].mul_(beta1).add_(g, alpha: oneMinusBeta1);
            var v = SecondMoment[name].mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            var denominator = Scratch(p).copy_(v).div_(bias2Scalar).sqrt_().add_(epsilon);
            p.addcdiv_(m, denominator, value: stepSize);
        }
    }

    // A view shaped like p into one buffer as large as the largest parameter.
    Tensor Scratch(Tensor p)
    {
        if (_scratch is null || _scratch.numel() < p.numel() || _scratch.dtype != p.dtype
            || _scratch.device_type != p.device_type || _scratch.device_index != p.device_index)
        {
            _scratch?.Dispose();
            long largest = Math.Max(p.numel(), FirstMoment.Values.Max(t => t.numel()));
            _scratch = empty(largest, dtype: p.dtype, device: p.device).DetachFromDisposeScope();
        }
        return _scratch.narrow(0, 0, p.numel()).view(p.shape);
    }

    Tensor? _scratch;

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
        _scratch?.Dispose();
    }
}
