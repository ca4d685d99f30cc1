using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) over named tensors, with its state (step, first and second moments) as named
/// tensors so that a checkpoint restores it exactly. Decoupled decay acts on (parameter + decay offset): the offset is
/// θ0 when training δ = θ − θ0, so the decay pulls θ toward 0 as in the reference code. The moments live in one
/// buffer each (<see cref="FlatTensors"/>): over flat parameters, decay and the final update are one native call each.
/// </summary>
public sealed class AdamW : IDisposable
{
    /// <summary>β1, β2 and ε as in PyTorch's defaults.</summary>
    public const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    readonly FlatTensors _first, _second;
    Tensor? _scratch;

    /// <summary>A fresh optimizer with zero moments shaped like <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        var list = parameters.ToList();
        _first = new FlatTensors(list, zeros: true);
        _second = new FlatTensors(list, zeros: true);
    }

    /// <summary>Steps taken so far (bias corrections use it).</summary>
    public long StepCount { get; set; }

    /// <summary>m: exponential average of gradients.</summary>
    public ParameterSet FirstMoment => _first.Views;

    /// <summary>v: exponential average of squared gradients.</summary>
    public ParameterSet SecondMoment => _second.Views;

    /// <summary>
    /// One in-place update of flat parameters laid out as the moments (a <see cref="FlatTensors.Flat"/> built from
    /// the same entries), given each entry's gradient in that order: p ← p − lr·wd·(p + offset); m, v updated;
    /// p ← p − lr·m̂/(√v̂ + ε). Decay and the final update are one native call each over the whole buffer.
    /// </summary>
    public void Step(Tensor parameters, IReadOnlyList<Tensor> gradients, double lr, double weightDecay,
        Tensor? decayOffset = null)
    {
        long n = _first.Flat.numel();
        foreach (var (what, t) in new[] { ("parameters", parameters), ("decay offset", decayOffset) })
            if (t is not null && (t.dim() != 1 || t.shape[0] != n))
                throw new ArgumentException($"AdamW: flat {what} must be [{n}] (the moments' layout); got " +
                    $"[{string.Join(",", t.shape)}].", nameof(parameters));
        var (m, v) = (FirstMoment.Values.ToList(), SecondMoment.Values.ToList());
        if (gradients.Count != m.Count)
            throw new ArgumentException($"AdamW: {gradients.Count} gradients for {m.Count} entries.",
                nameof(gradients));
        for (int i = 0; i < m.Count; i++)
            if (!gradients[i].shape.SequenceEqual(m[i].shape))
                throw new ArgumentException($"AdamW: the gradient of '{FirstMoment.Names[i]}' is " +
                    $"[{string.Join(",", gradients[i].shape)}], the entry is [{string.Join(",", m[i].shape)}].",
                    nameof(gradients));
        using var c = new Coefficients(++StepCount, lr, weightDecay, _first.Flat);
        using var noGrad = no_grad();
        Decay(parameters, decayOffset, c);
        for (int i = 0; i < m.Count; i++) Moments(gradients[i], m[i], v[i], c);
        Finish(parameters, _first.Flat, _second.Flat, c);
    }

    /// <summary>
    /// One in-place update of named parameters (one view of the moments per name): as the flat overload.
    /// </summary>
    public void Step(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> gradients,
        double lr, double weightDecay, IReadOnlyDictionary<string, Tensor>? decayOffset = null)
    {
        using var c = new Coefficients(++StepCount, lr, weightDecay, _first.Flat);
        using var noGrad = no_grad();
        foreach (var name in FirstMoment.Names)
        {
            using var scope = NewDisposeScope();                 // one parameter's views at a time
            var (p, m, v) = (parameters[name], FirstMoment[name], SecondMoment[name]);
            Decay(p, decayOffset is not null && decayOffset.TryGetValue(name, out var o) ? o : null, c);
            Moments(gradients[name], m, v, c);
            Finish(p, m, v, c);
        }
    }

    // Every update is in place, into the moments or one scratch buffer: no parameter-sized temporaries.
    static void Decay(Tensor p, Tensor? offset, Coefficients c)
    {
        if (!c.Decays) return;
        p.mul_(c.Keep);                                           // p − lr·wd·(p + offset)
        if (offset is not null) p.add_(offset, alpha: c.Pull);
    }

    static void Moments(Tensor g, Tensor m, Tensor v, Coefficients c)
    {
        m.lerp_(g, c.OneMinusBeta1);                              // β1·m + (1 − β1)·g
        v.mul_(c.Beta2).addcmul_(g, g, value: c.OneMinusBeta2);
    }

    // √v̂ + ε = (√v + ε·√b2)/√b2 with b2 = 1 − β2^t, so lr·m̂/(√v̂ + ε) = (lr·√b2/b1)·m/(√v + ε·√b2): the bias
    // corrections become two scalars. libtorch's CPU sqrt is several times slower on exact zeros, and a 3×3
    // convolution on a 1×1 map (ResNet-18's last stage at 32 px) leaves 8 of 9 weights without gradient, so their v
    // stays 0: v is first raised to a floor whose root is below half a unit in the last place of ε·√b2, which leaves
    // the denominator as it was in the tensor's precision.
    void Finish(Tensor p, Tensor m, Tensor v, Coefficients c)
    {
        var denominator = Scratch(p).copy_(v);
        if (c.Floor is { } floor) denominator.clamp_min_(floor);
        denominator.sqrt_().add_(c.Epsilon);
        p.addcdiv_(m, denominator, value: c.StepSize);
    }

    // A view shaped like p into one buffer as large as all the moments.
    Tensor Scratch(Tensor p)
    {
        if (_scratch is null || _scratch.dtype != p.dtype || _scratch.device_type != p.device_type
            || _scratch.device_index != p.device_index)
        {
            _scratch?.Dispose();
            _scratch = empty(_first.Flat.numel(), dtype: p.dtype, device: p.device).DetachFromDisposeScope();
        }
        return _scratch.narrow(0, 0, p.numel()).view(p.shape);
    }

    // The step's coefficients, made once per step and disposed with it: TorchSharp's implicit double → Scalar
    // conversions are finalizable objects, and a ResNet-18 step's ~500 of them kept ~20 MB resident until a .NET
    // garbage collection ran.
    sealed class Coefficients : IDisposable
    {
        public Coefficients(long step, double lr, double weightDecay, Tensor like)
        {
            double bias1 = 1 - Math.Pow(Beta1, step), rootBias2 = Math.Sqrt(1 - Math.Pow(AdamW.Beta2, step));
            double decay = lr * weightDecay;
            Decays = weightDecay != 0;
            (Keep, Pull, Beta2, OneMinusBeta2) = (1 - decay, -decay, AdamW.Beta2, 1 - AdamW.Beta2);
            (Epsilon, StepSize) = (AdamW.Epsilon * rootBias2, -lr * rootBias2 / bias1);
            OneMinusBeta1 = tensor(1 - Beta1, dtype: like.dtype, device: like.device).DetachFromDisposeScope();
            int? mantissa = like.dtype switch { ScalarType.Float32 => 23, ScalarType.Float64 => 52, _ => null };
            if (mantissa is { } bits) Floor = Math.Pow(AdamW.Epsilon * rootBias2 * Math.Pow(2, -bits - 2), 2);
        }

        public bool Decays { get; }
        public Scalar Keep { get; }
        public Scalar Pull { get; }
        public Scalar Beta2 { get; }
        public Scalar OneMinusBeta2 { get; }
        public Scalar Epsilon { get; }
        public Scalar StepSize { get; }
        public Tensor OneMinusBeta1 { get; }                     // lerp_ takes its weight as a tensor
        public Scalar? Floor { get; }                             // null: the dtype's floor is not defined here

        public void Dispose()
        {
            foreach (var s in new[] { Keep, Pull, Beta2, OneMinusBeta2, Epsilon, StepSize }) s.Dispose();
            Floor?.Dispose();
            OneMinusBeta1.Dispose();
        }
    }

    /// <summary>Frees the moments.</summary>
    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        _scratch?.Dispose();
    }
}
