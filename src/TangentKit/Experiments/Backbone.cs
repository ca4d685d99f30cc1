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

/// <summary>A θ0 with its linearization and one frozen head per task (probes fitted on θ0's own features).</summary>
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

    /// <summary>θ0 and heads fitted on θ0's normalized train features of every task.</summary>
    public static Backbone Create(Initialization init, SuiteData data, ParameterSet theta0, ProbeOptions probe)
    {
        var encoder = data.Model.Encoder(theta0);
        var heads = data.AllTasks.ToDictionary(t => t.Name,
            t => LinearProbe.Fit(encoder, t.Train, t.Classes.Count, probe));
        return new Backbone(init, data.Model, theta0, heads);
    }

    /// <summary>Frees θ0 and the heads.</summary>
    public void Dispose()
    {
        Theta0.Dispose();
        foreach (var h in Heads.Values) h.Dispose();
    }
}
