using TangentKit.Autodiff;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// The trainable state of one fine-tuning run and its step: in <see cref="FineTuneMode.Standard"/> the weights are θ
/// (initialized to θ0); in <see cref="FineTuneMode.Linear"/> they are δ (initialized to 0) and the model trained is
/// <see cref="LinearizedModel"/>, f_lin(x; θ0 + δ) = f(x; θ0) + J(x; θ0)·δ with θ0 frozen. One step = loss through the
/// frozen head, backward, clip, AdamW.
/// </summary>
public sealed class FineTuningState : IDisposable
{
    /// <summary>A fresh state at θ0 (standard) or δ = 0 (linear).</summary>
    public FineTuningState(IFunctionalModel model, ParameterSet theta0, FineTuneMode mode)
    {
        (Model, Theta0, Mode) = (model, theta0, mode);
        var trainable = theta0.Where(theta0.TrainableNames.ToHashSet().Contains).ToList();
        _weights = new FlatTensors(trainable, zeros: mode == FineTuneMode.Linear);
        foreach (var w in _weights.Views.Values) w.requires_grad_(true);  // leaves of autograd, views of one buffer
        Optimizer = new AdamW(Weights);
        if (mode != FineTuneMode.Linear) return;
        _linearized = model.Linearize(theta0);
        _theta0Flat = new FlatTensors(trainable);                // AdamW's decay offset: δ's decay pulls θ0 + δ to 0
    }

    readonly LinearizedModel? _linearized;
    readonly FlatTensors _weights;
    readonly FlatTensors? _theta0Flat;

    /// <summary>The network.</summary>
    public IFunctionalModel Model { get; }

    /// <summary>The pre-trained weights (never modified).</summary>
    public ParameterSet Theta0 { get; }

    /// <summary>Standard or linear.</summary>
    public FineTuneMode Mode { get; }

    /// <summary>
    /// What is trained: θ's trainable entries (standard) or δ (linear): leaves of autograd that are views of one
    /// buffer.
    /// </summary>
    public ParameterSet Weights => _weights.Views;

    /// <summary>The optimizer and its moments.</summary>
    public AdamW Optimizer { get; }

    /// <summary>
    /// Features of <paramref name="x"/> at the current weights: f(x; θ) or f(x; θ0) + J·δ (records autograd).
    /// </summary>
    public Tensor Features(Tensor x)
    {
        x = x.OnDeviceOf(Theta0);
        if (Mode == FineTuneMode.Linear) return _linearized!.Forward(x, Weights);
        return Model.Forward(name => new Dual(Weights.TryGetValue(name, out var w) ? w : Theta0[name], null), x).Primal;
    }

    /// <summary>
    /// One optimization step on a batch; returns the loss. Throws <see cref="NonFiniteTrainingException"/> before
    /// touching the weights if the loss or gradient is not finite. <paramref name="profile"/>, when given, receives
    /// the wall time of each phase.
    /// </summary>
    public double Step(Tensor inputs, Tensor labels, FrozenHead head, double learningRate, FineTuneOptions options,
        StepProfile? profile = null)
    {
        using var scope = NewDisposeScope();
        profile?.Start();
        long n = inputs.shape[0];
        Tensor? loss = null;
        // Micro-batch k's mean loss weighted by n_k / n: the gradients autograd adds up are the whole batch's mean.
        foreach (var (x, y) in MicroBatches(inputs, labels, options.MicroBatches))
        {
            var logits = head.Logits(Features(x));
            var part = nn.functional.cross_entropy(logits, y.OnDeviceOf(logits));
            if (x.shape[0] != n)
            {
                using Scalar share = x.shape[0] / (double)n;
                part = part.mul(share);
            }
            profile?.End(0);
            part.backward();
            profile?.End(1);
            loss = loss is null ? part.detach() : loss + part.detach();
        }
        var gradients = new List<Tensor>(Weights.Count);
        foreach (var w in Weights.Values)
        {
            gradients.Add(w.grad ?? zeros_like(w));
            w.grad = null;
        }
        // ‖g‖² from per-tensor dot products g·g (no gradient-sized temporaries and no implicit Scalars: squaring every
        // gradient left ~60 MB per ResNet-18 step resident until a .NET garbage collection ran), read back together
        // with the loss: one host read per step, still before any weight is touched.
        var dots = stack(gradients.Select(g => dot(g.flatten(), g.flatten())).ToList());
        var normSquared = dots.to_type(ScalarType.Float64).sum();
        var host = stack([loss!.to_type(ScalarType.Float64), normSquared]).cpu().data<double>().ToArray();
        double value = host[0], norm = Math.Sqrt(host[1]);
        if (!double.IsFinite(value))
            throw new NonFiniteTrainingException(
                $"{Mode} fine-tuning: the loss is {value} at step {Optimizer.StepCount + 1}.");
        if (!double.IsFinite(norm))
            throw new NonFiniteTrainingException(
                $"{Mode} fine-tuning: the gradient norm is {norm} at step {Optimizer.StepCount + 1} (loss {value}).");
        double clip = options.ClipNorm / (norm + 1e-6);
        if (clip < 1)
        {
            using Scalar factor = clip;                          // one Scalar, disposed here (see AdamW)
            using (no_grad()) foreach (var g in gradients) g.mul_(factor);
        }
        profile?.End(2);
        // Decay and the final update run once over the weights' one buffer; the moments, once per gradient.
        Optimizer.Step(_weights.Flat, gradients, learningRate, options.WeightDecay, _theta0Flat?.Flat);
        profile?.End(3);
        return value;
    }

    // The batch in `parts` consecutive slices of (nearly) equal size; the whole batch when parts is 1.
    static IEnumerable<(Tensor Inputs, Tensor Labels)> MicroBatches(Tensor inputs, Tensor labels, int parts)
    {
        long n = inputs.shape[0];
        if (parts <= 1 || n < 2) { yield return (inputs, labels); yield break; }
        for (long k = 0, start = 0; k < parts; k++)
        {
            long size = (n - start) / (parts - k);
            if (size == 0) continue;
            yield return (inputs.narrow(0, start, size), labels.narrow(0, start, size));
            start += size;
        }
    }

    /// <summary>τ of the current weights: θ − θ0 (standard) or δ (linear), over θ0's floating-point entries.</summary>
    public TaskVector ToTaskVector()
    {
        if (Mode == FineTuneMode.Linear) return TaskVector.FromDelta(Theta0, Weights);
        using var difference = Weights.Map((name, w) => w.detach() - Theta0[name]);
        return TaskVector.FromDelta(Theta0, difference);
    }

    /// <summary>Frees weights and optimizer state (θ0 stays with its owner).</summary>
    public void Dispose()
    {
        _weights.Dispose();
        _theta0Flat?.Dispose();
        Optimizer.Dispose();
    }
}
