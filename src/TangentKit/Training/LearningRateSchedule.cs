namespace TangentKit.Training;

/// <summary>The paper's schedule: linear warm-up to the peak rate, then cosine decay to 0 at the last step.</summary>
public static class LearningRateSchedule
{
    /// <summary>
    /// Learning rate at 0-based <paramref name="step"/>: peak·(step+1)/warmup during warm-up, then
    /// peak·½(1 + cos(π·e/E)).
    /// </summary>
    public static double At(int step, double peak, int warmupSteps, int totalSteps)
    {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        int e = step - warmupSteps, es = totalSteps - warmupSteps;
        return es <= 0 ? peak : 0.5 * (1 + Math.Cos(Math.PI * e / es)) * peak;
    }
}
