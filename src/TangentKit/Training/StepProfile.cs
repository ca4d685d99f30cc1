using System.Diagnostics;

namespace TangentKit.Training;

/// <summary>
/// Wall time of the phases of one training step, in milliseconds: forward pass and loss, backward pass, gradient
/// norm and clipping, optimizer update (<c>tangent bench</c>'s profile; libtorch's CPU kernels are synchronous, so
/// each phase's time includes its native work).
/// </summary>
public sealed class StepProfile
{
    readonly Stopwatch _clock = new();

    /// <summary>The phases, in step order.</summary>
    public static IReadOnlyList<string> Phases { get; } = ["forward", "backward", "gradients", "optimizer"];

    /// <summary>Milliseconds per phase of the last profiled step, in the order of <see cref="Phases"/>.</summary>
    public double[] Milliseconds { get; } = new double[4];

    /// <summary>Starts timing a step.</summary>
    public void Start() => _clock.Restart();

    /// <summary>Ends phase <paramref name="phase"/> (an index into <see cref="Phases"/>) and starts the next.</summary>
    public void End(int phase)
    {
        Milliseconds[phase] = _clock.Elapsed.TotalMilliseconds;
        _clock.Restart();
    }
}
