using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// The kernelspec that tells Jupyter (JupyterLab, Notebook, nbconvert, VS Code's Jupyter extension) how to start this
/// kernel: <c>kernels/tangentkit-csharp/kernel.json</c> under a Jupyter data folder.
/// </summary>
static class KernelSpec
{
    /// <summary>The kernel's name, as notebooks' <c>metadata.kernelspec.name</c> refers to it.</summary>
    public const string Name = "tangentkit-csharp";

    /// <summary>The name Jupyter shows in its kernel picker.</summary>
    public const string DisplayName = "TangentKit (C#)";

    /// <summary>
    /// The kernels folder: <c>PREFIX/share/jupyter/kernels</c> with a prefix, else the user's Jupyter data folder
    /// (<c>$JUPYTER_DATA_DIR</c>, else the platform's: <c>~/.local/share/jupyter</c> on Linux).
    /// </summary>
    public static string KernelsFolder(string? prefix)
    {
        if (prefix is not null) return Path.Combine(Path.GetFullPath(prefix), "share", "jupyter", "kernels");
        var data = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR");
        if (string.IsNullOrEmpty(data))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            data = OperatingSystem.IsWindows()
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter")
                : OperatingSystem.IsMacOS() ? Path.Combine(home, "Library", "Jupyter")
                : Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "share") : xdg, "jupyter");
        }
        return Path.Combine(data, "kernels");
    }

    /// <summary>kernel.json: the command line that starts this build's kernel; interrupts arrive as messages.</summary>
    public static JsonObject Spec()
    {
        var argv = new JsonArray(StartCommand().Select(a => (JsonNode)a).ToArray());
        foreach (var a in new[] { "kernel", "-f", "{connection_file}" }) argv.Add(a);
        return new JsonObject
        {
            ["argv"] = argv,
            ["display_name"] = DisplayName,
            ["language"] = "C#",
            ["interrupt_mode"] = "message",
            ["metadata"] = new JsonObject { ["debugger"] = false },
        };
    }

    /// <summary>Writes the kernelspec into <paramref name="kernelsFolder"/> (atomically); returns its folder.</summary>
    public static string Install(string kernelsFolder)
    {
        var folder = Path.Combine(kernelsFolder, Name);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "kernel.json");
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, Spec().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(tmp, path, overwrite: true);
        return folder;
    }

    /// <summary>Removes the kernelspec from <paramref name="kernelsFolder"/>; false when it was not there.</summary>
    public static bool Uninstall(string kernelsFolder)
    {
        var folder = Path.Combine(kernelsFolder, Name);
        if (!File.Exists(Path.Combine(folder, "kernel.json"))) return false;
        Directory.Delete(folder, recursive: true);
        return true;
    }

    // The dotnet host and this assembly by absolute paths: an app host alone may not find the runtime when Jupyter
    // starts it with another PATH or without DOTNET_ROOT.
    static string[] StartCommand()
    {
        var assembly = typeof(KernelSpec).Assembly.Location;
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();              // <root>/shared/Microsoft.NETCore.App/<v>/
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        if (File.Exists(host) && assembly.Length > 0) return [host, assembly];
        return [Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path")];
    }
}
