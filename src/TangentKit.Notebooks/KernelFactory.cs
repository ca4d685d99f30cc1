using System.Collections.Concurrent;
using System.Reactive.Linq;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace TangentKit.Notebooks;

/// A composite kernel with C#, #r "nuget:", #!import, and the .NET Interactive extensions that NuGet packages ship
/// (packages that bring their own formatters register them that way).
static class KernelFactory
{
    public static CompositeKernel Create()
    {
        var composite = new CompositeKernel();
        var csharp = new CSharpKernel().UseKernelHelpers().UseWho().UseValueSharing();
        csharp.UseNugetDirective((k, references) =>
        {
            k.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        }, forceRestore: false);
        composite.Add(csharp, ["c#", "C#"]);
        composite.DefaultKernelName = "csharp";
        composite.UseImportMagicCommand();
        LoadPackageExtensions(composite);
        return composite;
    }

    // After each command, load any kernel extension found in a newly added package's
    // interactive-extensions/dotnet folder.
    static void LoadPackageExtensions(CompositeKernel kernel)
    {
        var pending = new ConcurrentQueue<PackageAdded>();
        var seen = new ConcurrentDictionary<string, bool>();
        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (pending.TryDequeue(out var added))
            {
                var folder = new DirectoryInfo(
                    Path.Combine(added.PackageReference.PackageRoot, "interactive-extensions", "dotnet"));
                if (!folder.Exists) continue;
                foreach (var dll in folder.GetFiles("*.dll"))
                {
                    var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(dll.FullName);
                    foreach (var type in assembly.ExportedTypes.Where(t =>
                        !t.IsAbstract && !t.IsInterface && typeof(IKernelExtension).IsAssignableFrom(t)))
                    {
                        var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                        await extension.OnLoadAsync(kernel);
                        context.Publish(new KernelExtensionLoaded(extension, context.Command));
                    }
                }
            }
        });
        kernel.RegisterForDisposal(kernel.KernelEvents.OfType<PackageAdded>()
            .Where(p => p.PackageReference.PackageRoot is not null && seen.TryAdd(p.PackageReference.PackageRoot, true))
            .Subscribe(pending.Enqueue));
    }
}
