namespace TangentKit.IO;

/// <summary>The kit's cache folder (fetched data, patched native libraries), shared by every tool of the kit.</summary>
public static class KitCache
{
    /// <summary>$TANGENTKIT_CACHE, else $XDG_CACHE_HOME/tangentkit, else ~/.cache/tangentkit.</summary>
    public static string Root
    {
        get
        {
            var explicitRoot = Environment.GetEnvironmentVariable("TANGENTKIT_CACHE");
            if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(!string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(home, ".cache"), "tangentkit");
        }
    }
}
