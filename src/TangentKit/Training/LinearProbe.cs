using TangentKit.Data;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>How a linear probe is fitted.</summary>
/// <param name="Steps">Full-batch Adam steps.</param>
/// <param name="LearningRate">Adam learning rate.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay.</param>
public sealed record ProbeOptions(int Steps = 300, double LearningRate = 0.05, double WeightDecay = 1e-3);

/// <summary>
/// Fits the frozen head of a task: multinomial logistic regression on θ0's L2-normalized features (full batch, zero
/// initialization, so the result is deterministic). The mini suite's analogue of the paper's CLIP zero-shot heads.
/// </summary>
public static class LinearProbe
{
    /// <summary>
    /// A head with one row per class fitted to (<paramref name="features"/>, <paramref name="labels"/>).
    /// </summary>
    public static FrozenHead Fit(Tensor features, Tensor labels, int classes, ProbeOptions? options = null)
    {
        options ??= new ProbeOptions();
        using var scope = NewDisposeScope();
        var x = features.detach() / features.detach().norm(-1, keepdim: true).clamp_min(1e-12);
        var parameters = new Dictionary<string, Tensor>
        {
            ["weight"] = zeros([classes, x.shape[1]], dtype: x.dtype, device: x.device).requires_grad_(true),
            ["bias"] = zeros([classes], dtype: x.dtype, device: x.device).requires_grad_(true),
        };
        using var optimizer = new AdamW(parameters);
        for (int step = 0; step < options.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(nn.functional.linear(x, parameters["weight"], parameters["bias"]),
                labels);
            loss.backward();
            var grads = parameters.ToDictionary(kv => kv.Key, kv => kv.Value.grad!);
            optimizer.Step(parameters, grads, options.LearningRate, options.WeightDecay);
            foreach (var p in parameters.Values) p.grad = null;
        }
        var (w, b) = (parameters["weight"], parameters["bias"]);
        return new FrozenHead(w.detach(), b.detach(), normalizeFeatures: true);
    }

    /// <summary>
    /// Fits the head of <paramref name="data"/> on the features of <paramref name="encoder"/> (batched, no autograd).
    /// </summary>
    public static FrozenHead Fit(Func<Tensor, Tensor> encoder, LabeledData data, int classes,
        ProbeOptions? options = null, int batchSize = 256)
    {
        using var scope = NewDisposeScope();
        Tensor features;
        using (no_grad()) features = cat(data.Batches(batchSize).Select(b => encoder(b.Inputs)).ToList(), 0);
        return Fit(features, data.Labels, classes, options);
    }
}
