namespace TangentKit.Training;

/// <summary>
/// A progress report after a training step: what the CLI's bar and the notebooks' live display show.
/// </summary>
/// <param name="Step">Steps completed (1-based).</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Loss">Training loss of the step just taken.</param>
/// <param name="LearningRate">Learning rate used for it.</param>
/// <param name="Elapsed">Wall time since this process started (or resumed) the run.</param>
/// <param name="StepsThisSession">Steps taken since then (the ETA's rate).</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double LearningRate, TimeSpan Elapsed,
    int StepsThisSession)
{
    /// <summary>Estimated time to the end, from this session's mean step time.</summary>
    public TimeSpan Remaining =>
        StepsThisSession == 0 ? TimeSpan.Zero : Elapsed / StepsThisSession * (TotalSteps - Step);

    /// <summary>Completed fraction in [0, 1].</summary>
    public double Fraction => (double)Step / TotalSteps;

    /// <inheritdoc />
    public override string ToString() =>
        $"step {Step}/{TotalSteps}  loss {Loss:F4}  lr {LearningRate:E2}  " +
        $"elapsed {Elapsed:mm\\:ss}  eta {Remaining:mm\\:ss}";
}

/// <summary>
/// Raised when a loss or gradient becomes NaN or infinite; the last good checkpoint is left untouched.
/// </summary>
public sealed class NonFiniteTrainingException(string message) : Exception(message);
