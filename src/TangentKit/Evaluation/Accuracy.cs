using TangentKit.Data;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Evaluation;

/// <summary>Top-1 accuracy through a frozen head (every table and figure of the paper reports it).</summary>
public static class Accuracy
{
    /// <summary>
    /// Fraction of <paramref name="data"/> whose arg-max logit (head over <paramref name="encoder"/>'s features) is the
    /// label.
    /// </summary>
    public static double Top1(Func<Tensor, Tensor> encoder, FrozenHead head, LabeledData data, int batchSize = 256)
    {
        long correct = 0;
        using var noGrad = no_grad();
        foreach (var (x, y) in data.Batches(batchSize))
        using (x) using (y)                                    // a streamed batch owns its memory: free it now
        {
            using var scope = NewDisposeScope();
            correct += CountCorrect(head.Logits(encoder(x)), y);
        }
        return (double)correct / data.Count;
    }

    /// <summary>Fraction of rows of <paramref name="logits"/> whose arg-max equals <paramref name="labels"/>.</summary>
    public static double Top1(Tensor logits, Tensor labels) => (double)CountCorrect(logits, labels) / labels.shape[0];

    static long CountCorrect(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return logits.argmax(-1).eq(labels.OnDeviceOf(logits)).sum().item<long>();
    }
}
