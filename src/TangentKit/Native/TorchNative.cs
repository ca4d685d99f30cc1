using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TangentKit.IO;
using TorchSharp;

namespace TangentKit.Native;

/// <summary>
/// Raised when libtorch or TorchSharp's glue library cannot be loaded; the message names the file and the loader's real
/// reason.
/// </summary>
public sealed class TorchNativeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Makes TorchSharp's native libraries load with no manual step, on Debian 12 too, in apps, tests and notebooks.
/// <list type="number">
/// <item>Finds <c>libLibTorchSharp.so</c> and libtorch: next to the app (build output) or in the NuGet packages folder
/// (notebooks).</item>
/// <item>Marks its GLIBCXX_3.4.31+/CXXABI_1.3.15+ version needs weak (TorchSharp 0.107.0 is built with GCC 13+). Build
/// output is patched in place; a NuGet-folder file is never modified — a patched copy goes to a private cache
/// folder.</item>
/// <item>Preloads libtorch and the glue library by absolute path, so TorchSharp's later load by name binds to them
/// (and never to a system libtorch such as Debian's libtorch-dev).</item>
/// </list>
/// Call <see cref="Prepare"/> before the first <c>torch.*</c> call; it is idempotent and thread-safe.
/// </summary>
public static class TorchNative
{
    static readonly object Gate = new();
    static string? _report;

    /// <summary>
    /// Loads TorchSharp's natives (patching the glue library's version needs if necessary) and returns a one-line
    /// report of what it did.
    /// </summary>
    /// <exception cref="TorchNativeException">
    /// A native library cannot be loaded; the message carries the dynamic loader's reason.
    /// </exception>
    public static string Prepare()
    {
        lock (Gate)
        {
            if (_report is not null) return _report;
            _report = OperatingSystem.IsLinux() ? PrepareLinux() : "not Linux: TorchSharp's own loader is used";
            return _report;
        }
    }

    static string PrepareLinux()
    {
        var layout = NativeLayout.Find();
        var glue = layout.Glue;
        string action = "no patch needed";
        if (ElfVersionNeeds.Read(glue).Any(n => !n.IsWeak && ElfVersionNeeds.IsNewerThanDebian12LibStdCxx(n.Version)))
        {
            if (layout.GlueIsBuildOutput && IsWritable(glue))
            {
                ElfVersionNeeds.Weaken(glue, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx);
                action = "patched in place";
            }
            else
            {
                glue = PatchedCopy(glue);
                action = $"patched copy {glue}";
            }
        }
        foreach (var lib in layout.Libraries) Load(Path.Combine(layout.LibTorchDir, lib));
        Load(glue);
        try
        {
            if (layout.Backend == "cuda") torch.InitializeDeviceType(DeviceType.CUDA);
            using var probe = torch.zeros(1, device: torch.CPU);
        }
        catch (TypeInitializationException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new TorchNativeException($"TorchSharp failed to initialize although {glue} loaded: {reason}", e);
        }
        var cuda = layout.Backend != "cuda" ? ""
            : torch.cuda.is_available() ? $"; CUDA: {torch.cuda.device_count()} device(s)"
            : "; CUDA libtorch loaded, but no CUDA device is visible";
        return $"{layout.Backend} libtorch from {layout.LibTorchDir}; {Path.GetFileName(glue)} {action}{cuda}";
    }

    /// <summary>
    /// Loads a native library by absolute path, turning a failure into an error that quotes the dynamic loader (the
    /// <c>ldd</c>-style reason).
    /// </summary>
    public static void Load(string path)
    {
        if (!File.Exists(path))
            throw new TorchNativeException($"native library not found: {path}. Restore the solution (dotnet restore) " +
                "so the TorchSharp and libtorch packages are present.");
        try
        {
            NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new TorchNativeException($"cannot load {path}: {LoaderReason(e.Message)}", e);
        }
    }

    // .NET wraps dlerror() in advice about strace and LD_DEBUG; the dynamic loader's own sentence is the last line.
    static string LoaderReason(string message) =>
        message.Split('\n',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? message;

    // A content-addressed patched copy under the user's cache folder; the NuGet package stays untouched.
    static string PatchedCopy(string original)
    {
        string hash;
        using (var s = File.OpenRead(original)) hash = Convert.ToHexString(SHA256.HashData(s))[..16].ToLowerInvariant();
        var dir = Path.Combine(KitCache.Root, "native", hash);
        var copy = Path.Combine(dir, Path.GetFileName(original));
        if (!File.Exists(copy))
        {
            var bytes = File.ReadAllBytes(original);
            var staged = Path.Combine(dir, $"staged.{Environment.ProcessId}.so");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(staged, bytes);
            ElfVersionNeeds.Weaken(staged, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx);
            File.Move(staged, copy, overwrite: true);
        }
        return copy;
    }

    static bool IsWritable(string path)
    {
        try { using var _ = new FileStream(path, FileMode.Open, FileAccess.ReadWrite); return true; }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
    }
}
