namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// <c>tangent-notebook kernel</c>: <c>-f FILE</c> serves the kernel (Jupyter runs this), <c>install</c> and
/// <c>uninstall</c> manage its kernelspec.
/// </summary>
static class KernelCommand
{
    const string Usage = "usage: tangent-notebook kernel install [--user | --prefix PREFIX]\n" +
        "       tangent-notebook kernel uninstall [--user | --prefix PREFIX]\n" +
        "       tangent-notebook kernel -f CONNECTION_FILE      (how Jupyter starts the kernel)";

    /// <summary>Runs the verb with the arguments after <c>kernel</c>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter log, TextWriter error)
    {
        if (args.Length == 2 && args[0] is "-f" or "--connection-file")
            return await JupyterKernel.RunAsync(args[1], error);
        if (args.Length == 0 || args[0] is not ("install" or "uninstall")) return Fail(error, null);
        string? prefix = null;
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--user": prefix = null; break;
                case "--prefix" when i + 1 < args.Length: prefix = args[++i]; break;
                case "--prefix": return Fail(error, "--prefix needs a folder");
                default: return Fail(error, $"unknown option {args[i]}");
            }
        }
        var kernels = KernelSpec.KernelsFolder(prefix);
        if (args[0] == "install")
        {
            var folder = KernelSpec.Install(kernels);
            log.WriteLine($"installed the kernelspec {KernelSpec.Name} (\"{KernelSpec.DisplayName}\") in {folder}");
            if (prefix is not null)
                log.WriteLine("Jupyter finds it with JUPYTER_PATH=" +
                    Path.Combine(Path.GetFullPath(prefix), "share", "jupyter"));
            return 0;
        }
        if (KernelSpec.Uninstall(kernels))
        {
            log.WriteLine($"removed the kernelspec {KernelSpec.Name} from {kernels}");
            return 0;
        }
        error.WriteLine($"tangent-notebook kernel uninstall: no kernelspec {KernelSpec.Name} in {kernels}");
        return 1;
    }

    static int Fail(TextWriter error, string? problem)
    {
        error.WriteLine(problem is null ? Usage : $"tangent-notebook kernel: {problem}\n{Usage}");
        return 64;
    }
}
