namespace TangentKit.Tests;

/// Locations in the repository checkout the tests run from.
static class RepositoryPaths
{
    /// The folder holding TangentKit.slnx, found upwards from the test binaries.
    public static string Root { get; } = FindRoot();

    /// Release or Debug, as this test assembly was built.
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}")
            ? "Release"
            : "Debug";

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TangentKit.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no TangentKit.slnx above {AppContext.BaseDirectory}");
    }
}
