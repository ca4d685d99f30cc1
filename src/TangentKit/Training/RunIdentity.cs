using System.Text.Json;
using TangentKit.Data;
using TangentKit.IO;
using TangentKit.Models;

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
        new(model.Name, LabeledData.Fingerprint(theta0.Values), train.Count, train.ContentFingerprint(), options);

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
