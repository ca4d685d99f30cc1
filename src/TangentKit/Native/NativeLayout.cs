using TorchSharp;

namespace TangentKit.Native;

/// <summary>
/// Where TorchSharp's glue library and libtorch live for this process: the app's build output or the NuGet packages
/// folder.
/// </summary>
/// <param name="Glue">Absolute path of <c>libLibTorchSharp.so</c>.</param>
/// <param name="LibTorchDir">Folder holding <c>libtorch_cpu.so</c>, <c>libc10.so</c> and <c>libtorch.so</c>.</param>
/// <param name="GlueIsBuildOutput">
/// True when the glue library is a copy in the app's own output folder (ours to patch).
/// </param>
public sealed record NativeLayout(string Glue, string LibTorchDir, bool GlueIsBuildOutput)
{
    const string GlueName = "libLibTorchSharp.so";
    const string Rid = "linux-x64";

    /// <summary>Locates the natives for the running process, or explains which places were searched.</summary>
    public static NativeLayout Find()
    {
        var searched = new List<string>();
        foreach (var dir in new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", Rid, "native"),
            AppContext.BaseDirectory })
        {
            searched.Add(dir);
            if (File.Exists(Path.Combine(dir, GlueName)) && File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
                return new NativeLayout(Path.Combine(dir, GlueName), dir, GlueIsBuildOutput: true);
        }

        // .NET Interactive and scripts: TorchSharp.dll is <packages>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll.
        var torchSharpDir = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "";
        var packageRoot = Path.GetFullPath(Path.Combine(torchSharpDir, "..", ".."));
        var glue = Path.Combine(packageRoot, "runtimes", Rid, "native", GlueName);
        searched.Add(Path.GetDirectoryName(glue)!);
        if (File.Exists(glue))
        {
            var packages = Path.GetFullPath(Path.Combine(packageRoot, "..", ".."));
            var libtorchPackage = Path.Combine(packages, "libtorch-cpu-linux-x64");
            var libtorch = Directory.Exists(libtorchPackage)
                ? Directory.GetDirectories(libtorchPackage).Select(v => Path.Combine(v, "runtimes", Rid, "native"))
                    .Where(d => File.Exists(Path.Combine(d, "libtorch_cpu.so"))).OrderBy(d => d,
                        StringComparer.Ordinal).LastOrDefault()
                : null;
            if (libtorch is not null) return new NativeLayout(glue, libtorch, GlueIsBuildOutput: false);
            throw new TorchNativeException($"found {glue} but no libtorch-cpu-linux-x64 package under {packages}. " +
                "In a notebook, reference it: #r \"nuget: libtorch-cpu-linux-x64, 2.10.0\".");
        }
        throw new TorchNativeException($"{GlueName} not found; searched: {string.Join(", ", searched)}. " +
            "Build the project (dotnet build) or, in a notebook, reference TorchSharp and libtorch-cpu-linux-x64 " +
            "with #r \"nuget: …\" first.");
    }
}
