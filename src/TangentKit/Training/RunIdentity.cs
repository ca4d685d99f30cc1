using System.Text.Json;
using TangentKit.Data;
using TangentKit.IO;
using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// What a run directory belongs to: model, θ0 and data fingerprints and the options. Written as <c>options.json</c>
/// when a run starts; a later run in the same directory must match it, so a checkpoint is never resumed into another
/// experiment.
/// </summary>
internal sealed record RunIdentity(string Model, string Theta0Fingerprint, long TrainExamples, string TrainFingerprint,
    FineTuneOptions Options)
{
    static readonly JsonSerializerOptions Json = new()
        { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public static RunIdentity Of(IFunctionalModel model, ParameterSet theta0, LabeledData train,
        FineTuneOptions options) =>
        new(model.Name, Fingerprint(theta0.Values), train.Count, Fingerprint([train.Inputs, train.Labels]), options);

    // Σ|t| and Σ t·(index-weighted) in float64: cheap, and changes with any realistic change of the tensors.
    static string Fingerprint(IEnumerable<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        double a = 0, b = 0;
        foreach (var t in tensors)
        {
            var flat = t.detach().flatten().to_type(ScalarType.Float64);
            a += flat.abs().sum().item<double>();
            b += (flat * arange(flat.shape[0], dtype: ScalarType.Float64, device: flat.device).remainder(7).add(1)).sum().item<double>();
        }
        return $"{a:R}/{b:R}";
    }

    /// <summary>
    /// Writes options.json into a new run directory, or checks an existing one against this identity.
    /// </summary>
    public void ClaimOrVerify(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FineTuner.OptionsFile);
        var text = JsonSerializer.Serialize(this, Json);
        if (!File.Exists(path))
        {
            AtomicFile.WriteAllText(path, text);
            return;
        }
        var existing = File.ReadAllText(path);
        if (existing != text)
            throw new InvalidOperationException(
                $"{path} describes a different run (model, θ0, data or options differ). " +
                $"Use another run directory or delete this one.\nexisting:\n{existing}\nrequested:\n{text}");
    }
}
