namespace TangentKit.Experiments;

/// <summary>
/// What long experiments report: messages and progress of named steps (the CLI draws bars with ETA, notebooks a live
/// line).
/// </summary>
public interface IExperimentProgress
{
    /// <summary>A one-line message.</summary>
    void Message(string text);

    /// <summary>
    /// <paramref name="done"/> of <paramref name="total"/> units of the step <paramref name="label"/> are finished.
    /// </summary>
    void Report(string label, double done, double total);

    /// <summary>
    /// Signaled when the user interrupts (a notebook's interrupt button): fine-tuning stops before its next step and
    /// resumes from its last checkpoint when run again.
    /// </summary>
    CancellationToken Cancellation => CancellationToken.None;
}

/// <summary>Progress written as plain lines (tests, logs): messages, and each step when it starts and ends.</summary>
public sealed class LineProgress(Action<string> write) : IExperimentProgress
{
    readonly HashSet<string> _started = [];

    /// <inheritdoc />
    public void Message(string text) => write(text);

    /// <inheritdoc />
    public void Report(string label, double done, double total)
    {
        if (_started.Add(label)) write($"{label} …");
        if (done >= total) write($"{label}: done");
    }
}
