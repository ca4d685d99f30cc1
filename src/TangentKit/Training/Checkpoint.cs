using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// A fine-tuning checkpoint in one safetensors file, written atomically: <c>weights.*</c> (θ or δ),
/// <c>adam.m.*</c>, <c>adam.v.*</c>, <c>state.step</c> and <c>state.losses</c>. Restoring it gives bit-identical
/// continuation.
/// </summary>
internal static class Checkpoint
{
    const string Weights = "weights.", M = "adam.m.", V = "adam.v.", Step = "state.step", Losses = "state.losses";

    public static void Write(string path, FineTuningState state, IReadOnlyList<double> losses)
    {
        using var set = new ParameterSet();
        foreach (var (name, t) in state.Weights) set.Add(Weights + name, t.detach().clone());
        foreach (var (name, t) in state.Optimizer.FirstMoment) set.Add(M + name, t.clone());
        foreach (var (name, t) in state.Optimizer.SecondMoment) set.Add(V + name, t.clone());
        set.Add(Step, tensor(new[] { state.Optimizer.StepCount }, device: CPU));
        set.Add(Losses, tensor(losses.ToArray(), device: CPU));
        ParameterFiles.Save(set, path);
    }

    /// <summary>
    /// Loads the checkpoint into <paramref name="state"/> if one exists; returns the step to continue from (0 if none).
    /// </summary>
    public static int TryRestore(string path, FineTuningState state, List<double> losses)
    {
        if (!File.Exists(path)) return 0;
        using var set = ParameterFiles.Load(path);
        using var noGrad = no_grad();
        foreach (var (name, t) in state.Weights) t.copy_(Entry(set, path, Weights + name, t));
        foreach (var (name, t) in state.Optimizer.FirstMoment) t.copy_(Entry(set, path, M + name, t));
        foreach (var (name, t) in state.Optimizer.SecondMoment) t.copy_(Entry(set, path, V + name, t));
        state.Optimizer.StepCount = set[Step].item<long>();
        losses.Clear();
        losses.AddRange(set[Losses].cpu().data<double>().ToArray());
        if (losses.Count != state.Optimizer.StepCount)
            throw new InvalidDataException(
                $"{path}: {losses.Count} losses recorded for {state.Optimizer.StepCount} steps.");
        return (int)state.Optimizer.StepCount;
    }

    static Tensor Entry(ParameterSet set, string path, string name, Tensor like)
    {
        if (!set.TryGetValue(name, out var t))
            throw new InvalidDataException($"{path}: checkpoint entry '{name}' is missing " +
                "(the checkpoint belongs to another model or mode).");
        if (!t.shape.SequenceEqual(like.shape))
            throw new InvalidDataException($"{path}: checkpoint entry '{name}' has shape " +
                $"[{string.Join(",", t.shape)}], expected [{string.Join(",", like.shape)}].");
        return t;
    }
}
