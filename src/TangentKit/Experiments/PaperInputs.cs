namespace TangentKit.Experiments;

/// <summary>
/// Where the paper preset's inputs lie on this machine: the CLIP checkpoint (open_clip or OpenAI state dict), the
/// folder holding the datasets in the layouts of the README's paper section, and optionally CLIP's BPE vocabulary
/// (else fetched through its manifest).
/// </summary>
/// <param name="Weights">A CLIP state dict (.pt/.bin/.safetensors) with its image and text towers.</param>
/// <param name="DataRoot">The folder holding <c>stanford_cars/</c>, <c>dtd/</c>, <c>EuroSAT_splits/</c>, ….</param>
/// <param name="Vocabulary"><c>bpe_simple_vocab_16e6.txt.gz</c>, or null to fetch it.</param>
public sealed record PaperInputs(string Weights, string DataRoot, string? Vocabulary = null)
{
    /// <summary>The environment variables notebooks and script twins read the inputs from.</summary>
    public const string WeightsVariable = "TANGENTKIT_CLIP_WEIGHTS", DataVariable = "TANGENTKIT_PAPER_DATA",
        VocabularyVariable = "TANGENTKIT_CLIP_VOCAB";

    /// <summary>
    /// The inputs from <paramref name="weights"/> and <paramref name="dataRoot"/>, each falling back to its
    /// environment variable; the error says which is missing and how to give it.
    /// </summary>
    public static PaperInputs Resolve(string? weights, string? dataRoot, string? vocabulary,
        Func<string, string?> environment)
    {
        weights = NonEmpty(weights) ?? NonEmpty(environment(WeightsVariable));
        dataRoot = NonEmpty(dataRoot) ?? NonEmpty(environment(DataVariable));
        vocabulary = NonEmpty(vocabulary) ?? NonEmpty(environment(VocabularyVariable));
        var missing = new List<string>();
        if (weights is null) missing.Add($"--weights FILE (or ${WeightsVariable}): a CLIP checkpoint");
        if (dataRoot is null) missing.Add($"--data DIR (or ${DataVariable}): the folder with the paper's datasets");
        if (missing.Count > 0)
            throw new ArgumentException("the paper preset needs " + string.Join("; and ", missing) +
                ". The README's paper section lists the downloads and the folder layout.");
        if (!File.Exists(weights))
            throw new ArgumentException($"--weights: no file at {Path.GetFullPath(weights!)}.");
        if (!Directory.Exists(dataRoot))
            throw new ArgumentException($"--data: no folder at {Path.GetFullPath(dataRoot!)}.");
        if (vocabulary is not null && !File.Exists(vocabulary))
            throw new ArgumentException($"--vocab: no file at {Path.GetFullPath(vocabulary)}.");
        return new PaperInputs(Path.GetFullPath(weights!), Path.GetFullPath(dataRoot!),
            vocabulary is null ? null : Path.GetFullPath(vocabulary));
    }

    static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
