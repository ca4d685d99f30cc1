using TangentKit.Training;

namespace TangentKit.Evaluation;

/// <summary>The three ways the paper edits and evaluates a model (its Table 1 rows).</summary>
public enum EditMode
{
    /// <summary>Non-linear fine-tuning, evaluated as the network f(x; θ0 + Σ α τ).</summary>
    Standard,
    /// <summary>
    /// Standard task vectors evaluated on the linearized model f_lin(x; θ0 + Σ α τ) (post-hoc linearization).
    /// </summary>
    PostHoc,
    /// <summary>Linearized fine-tuning, evaluated on f_lin(x; θ0 + Σ α τ_lin).</summary>
    Linear,
}

/// <summary>Helpers on <see cref="EditMode"/>.</summary>
public static class EditModes
{
    /// <summary>All three, in the paper's order.</summary>
    public static IReadOnlyList<EditMode> All { get; } = [EditMode.Standard, EditMode.PostHoc, EditMode.Linear];

    /// <summary>Which fine-tuning produced the mode's task vectors.</summary>
    public static FineTuneMode VectorsFrom(this EditMode mode) => mode == EditMode.Linear ? FineTuneMode.Linear
        : FineTuneMode.Standard;

    /// <summary>The paper's row label.</summary>
    public static string Label(this EditMode mode) => mode switch
    {
        EditMode.Standard => "Non-lin. FT",
        EditMode.PostHoc => "Post-hoc lin.",
        _ => "Linear. FT",
    };
}
