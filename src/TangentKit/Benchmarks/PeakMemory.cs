namespace TangentKit.Benchmarks;

/// <summary>
/// Peak resident memory of a piece of work on Linux: resets the kernel's high-water mark
/// (<c>/proc/self/clear_refs</c>), runs it, and reads <c>VmHWM</c> from <c>/proc/self/status</c>. glibc's mmap
/// threshold is fixed at 128 KiB and free heap pages are trimmed first (<c>mallopt</c>, <c>malloc_trim</c>), so
/// memory freed by earlier work cannot absorb the step's peak.
/// </summary>
public static class PeakMemory
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallopt")]
    static extern int Mallopt(int param, int value);
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);
    const int MmapThreshold = -3;        // M_MMAP_THRESHOLD; setting it also turns off glibc's dynamic threshold
    static bool _fixedThreshold;

    /// <summary>Bytes by which the resident set peaked above its level just before <paramref name="work"/>.</summary>
    public static long Measure(Action work)
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("peak-memory measurement reads /proc and needs Linux.");
        if (!_fixedThreshold) _fixedThreshold = Mallopt(MmapThreshold, 128 * 1024) == 1;
        GC.Collect();
        GC.WaitForPendingFinalizers();                       // tensors only reachable from finalizers are freed now
        MallocTrim(0);                                       // free heap pages go back to the kernel
        File.WriteAllText("/proc/self/clear_refs", "5");      // 5: reset the peak RSS to the current RSS
        long before = ReadKiB("VmRSS");
        work();
        return (ReadKiB("VmHWM") - before) * 1024;
    }

    static long ReadKiB(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        throw new InvalidDataException($"/proc/self/status has no {field} line.");
    }
}
