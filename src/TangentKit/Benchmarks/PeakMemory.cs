namespace TangentKit.Benchmarks;

/// <summary>
/// Peak resident memory of a piece of work on Linux: resets the kernel's high-water mark
/// (<c>/proc/self/clear_refs</c>), runs it, and reads <c>VmHWM</c> from <c>/proc/self/status</c>. During the
/// measurement glibc's mmap threshold is fixed at 128 KiB and free heap pages are trimmed first (<c>mallopt</c>,
/// <c>malloc_trim</c>), so memory freed by earlier work cannot absorb the step's peak. Afterwards the thresholds are
/// set to the largest values glibc's own adaptive rule reaches (32 MiB, trimming above 64 MiB): left at 128 KiB, every
/// later tensor allocation would map fresh pages and fault them in.
/// </summary>
public static class PeakMemory
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int param, int value);
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);
    const int MmapThreshold = -3, TrimThreshold = -1;    // M_MMAP_THRESHOLD (setting it ends the adaptive rule)
    const int Measuring = 128 * 1024, MaxAdaptive = 32 * 1024 * 1024;

    /// <summary>Bytes by which the resident set peaked above its level just before <paramref name="work"/>.</summary>
    public static long Measure(Action work)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("peak-memory measurement reads /proc and needs Linux.");
        Mallopt(MmapThreshold, Measuring);
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();                   // tensors only reachable from finalizers are freed now
            MallocTrim(0);                                   // free heap pages go back to the kernel
            File.WriteAllText("/proc/self/clear_refs", "5");  // 5: reset the peak RSS to the current RSS
            long before = ReadKiB("VmRSS");
            work();
            return (ReadKiB("VmHWM") - before) * 1024;
        }
        finally
        {
            Mallopt(MmapThreshold, MaxAdaptive);
            Mallopt(TrimThreshold, 2 * MaxAdaptive);
        }
    }

    static long ReadKiB(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidDataException($"/proc/self/status has no {field} line.");
    }
}
