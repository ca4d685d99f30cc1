using System.Diagnostics;

namespace TangentKit.Reporting;

/// <summary>
/// Renders an offline HTML figure to PNG with headless Chromium (<c>apt-get install chromium</c>); skipped when it is
/// absent.
/// </summary>
public static class PngExport
{
    /// <summary>
    /// The Chromium executable: $TANGENTKIT_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on
    /// the usual paths.
    /// </summary>
    public static string? Browser { get; } = Find();

    /// <summary>True when a browser was found.</summary>
    public static bool Available => Browser is not null;

    static string? Find()
    {
        if (Environment.GetEnvironmentVariable("TANGENTKIT_CHROMIUM") is { Length: > 0 } explicitPath)
            return File.Exists(explicitPath) ? explicitPath : null;
        return new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Screenshots <paramref name="html"/> at the chart's size into <paramref name="png"/> (atomically); false if the
    /// browser fails.
    /// </summary>
    public static bool TryRender(string html, string png, int width, int height)
    {
        if (Browser is null) return false;
        var profile = Directory.CreateTempSubdirectory("tangentkit-chromium-").FullName;
        var tmp = $"{png}.{Environment.ProcessId}.tmp.png";
        try
        {
            var psi = new ProcessStartInfo(Browser) { RedirectStandardOutput = true, RedirectStandardError = true,
                UseShellExecute = false };
            foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                             "--hide-scrollbars", $"--user-data-dir={profile}",
                         $"--window-size={width + 20},{height + 20}", "--virtual-time-budget=5000",
                             $"--screenshot={tmp}", new Uri(Path.GetFullPath(html)).AbsoluteUri })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            _ = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(60))) { p.Kill(entireProcessTree: true); return false; }
            if (p.ExitCode != 0 || !File.Exists(tmp)) return false;
            File.Move(tmp, png, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(tmp);
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
