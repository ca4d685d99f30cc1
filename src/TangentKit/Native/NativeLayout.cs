using System.Reflection;
using TorchSharp;

namespace TangentKit.Native;

/// <summary>
/// Where TorchSharp's glue library and libtorch live for this process: the app's build output or the NuGet packages
/// folder, for the libtorch backend the kit was built with (<c>cpu</c>, or <c>cuda</c> with
/// <c>dotnet build -p:TorchBackend=cuda</c>).
/// </summary>
/// <param name="Glue">Absolute path of <c>libLibTorchSharp.so</c>.</param>
/// <param name="LibTorchDir">Folder holding libtorch's libraries.</param>
/// <param name="GlueIsBuildOutput">
/// True when the glue library is a copy in the app's own output folder (ours to patch).
/// </param>
/// <param name="Backend"><c>cpu</c> or <c>cuda</c>.</param>
public sealed record NativeLayout(string Glue, string LibTorchDir, bool GlueIsBuildOutput, string Backend = "cpu")
{
    const string GlueName = "libLibTorchSharp.so";
    const string Rid = "linux-x64";

    /// <summary>The backend this build of the kit references (the MSBuild property <c>TorchBackend</c>).</summary>
    public static string BuildBackend { get; } = typeof(NativeLayout).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TorchBackend")?.Value ?? "cpu";

    /// <summary>
    /// libtorch's libraries in the order they are preloaded (each before the libraries that need it): the CUDA
    /// backend adds c10's and torch's CUDA parts, which bring the CUDA runtime libraries shipped beside them.
    /// </summary>
    public IReadOnlyList<string> Libraries => Backend == "cuda"
        ? ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"]
        : ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    /// <summary>Locates the natives for the running process, or explains which places were searched.</summary>
    public static NativeLayout Find() =>
        Find(AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "", BuildBackend);

    /// <summary>
    /// Locates the natives of <paramref name="backend"/> for an app in <paramref name="appDirectory"/> whose
    /// TorchSharp.dll lies in <paramref name="torchSharpDirectory"/>; the error names what is missing and how to get
    /// it.
    /// </summary>
    public static NativeLayout Find(string appDirectory, string torchSharpDirectory, string backend)
    {
        if (backend is not ("cpu" or "cuda"))
            throw new TorchNativeException($"unknown libtorch backend '{backend}'; TorchBackend must be cpu or cuda.");
        var probe = new NativeLayout("", "", false, backend);
        var searched = new List<string>();
        foreach (var dir in new[] { Path.Combine(appDirectory, "runtimes", Rid, "native"), appDirectory })
        {
            searched.Add(dir);
            if (!File.Exists(Path.Combine(dir, GlueName)) || !File.Exists(Path.Combine(dir, "libtorch_cpu.so")))
                continue;
            var missing = probe.Libraries.Where(l => !File.Exists(Path.Combine(dir, l))).ToList();
            if (missing.Count > 0)
                throw new TorchNativeException($"{dir} has libtorch but not {string.Join(", ", missing)}, which the " +
                    $"{backend} backend needs. " + (backend == "cuda"
                        ? "Build with dotnet build -p:TorchBackend=cuda on a machine whose NuGet sources serve " +
                          "libtorch-cuda-12.8-linux-x64, so its libraries are copied there."
                        : "Restore and build again (dotnet build)."));
            return new NativeLayout(Path.Combine(dir, GlueName), dir, GlueIsBuildOutput: true, backend);
        }

        // .NET Interactive and scripts: TorchSharp.dll is <packages>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll.
        var packageRoot = Path.GetFullPath(Path.Combine(torchSharpDirectory, "..", ".."));
        var glue = Path.Combine(packageRoot, "runtimes", Rid, "native", GlueName);
        searched.Add(Path.GetDirectoryName(glue)!);
        if (File.Exists(glue))
        {
            if (backend == "cuda")
                throw new TorchNativeException($"found {glue}, but the CUDA libtorch is not used from the NuGet " +
                    "folder (its package arrives in parts that a build joins): run from the output of " +
                    "dotnet build -p:TorchBackend=cuda, as the kit's Jupyter kernel and the tangent command do.");
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
