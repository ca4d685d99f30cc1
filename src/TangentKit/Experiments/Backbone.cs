using TangentKit.Data;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.Training;

namespace TangentKit.Experiments;

/// <summary>
/// Where θ0 comes from: the pre-trained network or a random initialization of the same shape (the emergence
/// experiment).
/// </summary>
public enum Initialization
{
    /// <summary>The pre-trained weights (ImageNet ResNet-18 in the mini preset).</summary>
    Pretrained,
    /// <summary>A seeded random initialization of the same network.</summary>
    Random,
}

/// <summary>
/// A θ0 with its linearization and one frozen head per task: class prototypes of θ0's features over the task's
/// support images (never the images used for fine-tuning, validation or test).
/// </summary>
public sealed class Backbone : IDisposable
{
    Backbone(Initialization init, IFunctionalModel model, ParameterSet theta0, Dictionary<string, FrozenHead> heads)
    {
        (Initialization, Model, Theta0, Heads) = (init, model, theta0, heads);
        Linearized = model.Linearize(theta0);
    }

    /// <summary>Pre-trained or random.</summary>
    public Initialization Initialization { get; }

    /// <summary>"pretrained" or "random".</summary>
    public string Name => Initialization.ToString().ToLowerInvariant();

    /// <summary>The network.</summary>
    public IFunctionalModel Model { get; }

    /// <summary>θ0.</summary>
    public ParameterSet Theta0 { get; }

    /// <summary>f_lin around θ0.</summary>
    public LinearizedModel Linearized { get; }

    /// <summary>Frozen head of every task (edited and control), by task name.</summary>
    public IReadOnlyDictionary<string, FrozenHead> Heads { get; }

    /// <summary>
    /// θ0 (owned from here on) and the head of every task (edited and control): its zero-shot text head when the
    /// suite has them (the same heads for a random θ0: only θ0 differs), else the prototype of θ0's features over its
    /// support split. Heads live on θ0's device.
    /// </summary>
    public static Backbone Create(Initialization init, SuiteData data, ParameterSet theta0, double logitScale)
    {
        var encoder = data.Model.Encoder(theta0);
        var heads = data.AllTasks.ToDictionary(t => t.Name, t => data.TextHeads is { } text
            ? text[t.Name].To(theta0.Device)
            : PrototypeHead.FromSupport(encoder, t.Support, t.Classes.Count, logitScale));
        return new Backbone(init, data.Model, theta0, heads);
    }

    /// <summary>
    /// A random θ0 of the suite's network; a ResNet is made a normalized network: batch-norm statistics recomputed on
    /// a seeded mix of <paramref name="imagesPerTask"/> training images of every edited task (a ViT's layer norms
    /// need no data).
    /// </summary>
    public static ParameterSet RandomTheta0(SuiteData data, long seed, int imagesPerTask)
    {
        if (data.Model is not ResNet resnet) return data.Model.Initialize(seed);
        using var raw = resnet.Initialize(seed);
        TorchSharp.torch.Tensor mixed;
        using (TorchSharp.torch.NewDisposeScope())
        {
            var images = TorchSharp.torch.cat(data.Tasks.Select(t =>
                t.Train.Inputs.narrow(0, 0, Math.Min(imagesPerTask, t.Train.Count))).ToList(), 0);
            var order = TorchSharp.torch.tensor(SeededPermutation.Draw(images.shape[0], seed, stream: 7),
                device: images.device);
            mixed = images.index_select(0, order).MoveToOuterDisposeScope();
        }
        using (mixed) return resnet.RecalibrateBatchNorm(raw, mixed);
    }

    /// <summary>Frees θ0 and the heads.</summary>
    public void Dispose()
    {
        Theta0.Dispose();
        foreach (var h in Heads.Values) h.Dispose();
    }
}
