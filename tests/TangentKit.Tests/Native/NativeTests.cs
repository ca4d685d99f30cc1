using TangentKit.Native;

namespace TangentKit.Tests.Native;

public class NativeTests
{
    static string PristineGlue()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the restored TorchSharp package at {path}");
        return path;
    }

    [Fact]
    public void Weakening_marks_exactly_the_too_new_glibcxx_need_and_is_idempotent()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"glue-{Guid.NewGuid():N}.so");
        File.Copy(PristineGlue(), copy);
        try
        {
            var before = ElfVersionNeeds.Read(copy);
            Assert.Contains(before, n => n is { Library: "libstdc++.so.6", Version: "GLIBCXX_3.4.32", IsWeak: false });
            int tooNew = before.Count(n => !n.IsWeak && ElfVersionNeeds.IsNewerThanDebian12LibStdCxx(n.Version));
            Assert.Equal(tooNew, ElfVersionNeeds.Weaken(copy, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx));
            var after = ElfVersionNeeds.Read(copy);
            Assert.Contains(after, n => n is { Version: "GLIBCXX_3.4.32", IsWeak: true });
            Assert.Equal(before.Where(n => !ElfVersionNeeds.IsNewerThanDebian12LibStdCxx(n.Version)),
                         after.Where(n => !ElfVersionNeeds.IsNewerThanDebian12LibStdCxx(n.Version)));
            Assert.Equal(0, ElfVersionNeeds.Weaken(copy, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx));
            Assert.Equal(new FileInfo(PristineGlue()).Length, new FileInfo(copy).Length);
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void The_nuget_package_itself_is_never_modified() =>
        Assert.Contains(ElfVersionNeeds.Read(PristineGlue()), n => n is { Version: "GLIBCXX_3.4.32", IsWeak: false });

    [Theory]
    [InlineData("GLIBCXX_3.4.30", false)]
    [InlineData("GLIBCXX_3.4.31", true)]
    [InlineData("GLIBCXX_3.4.32", true)]
    [InlineData("CXXABI_1.3.13", false)]
    [InlineData("CXXABI_1.3.15", true)]
    [InlineData("GLIBC_2.34", false)]
    public void Debian_12_libstdcxx_provides_up_to_glibcxx_3_4_30(string version, bool tooNew) =>
        Assert.Equal(tooNew, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx(version));

    [Fact]
    public void A_library_that_cannot_load_is_reported_with_the_loader_reason()
    {
        var bogus = Path.Combine(Path.GetTempPath(), $"libbogus-{Guid.NewGuid():N}.so");
        File.WriteAllText(bogus, "not a shared object");
        try
        {
            var e = Assert.Throws<TorchNativeException>(() => TorchNative.Load(bogus));
            Assert.Contains(bogus, e.Message);
            Assert.EndsWith("file too short", e.Message);                                  // dlerror's own words   // dlerror: "invalid ELF header"
        }
        finally { File.Delete(bogus); }
    }

    [Fact]
    public void The_unpatched_glue_library_fails_to_load_with_the_real_cause_where_libstdcxx_is_old()
    {
        var copy = Path.Combine(Directory.CreateTempSubdirectory("glue-").FullName, "libLibTorchSharp.so");
        File.Copy(PristineGlue(), copy);
        var libstdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        bool hasNewLibStdCxx = System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(libstdcxx)).Contains("GLIBCXX_3.4.32");
        if (hasNewLibStdCxx)
            TorchNative.Load(copy);                                                      // nothing to diagnose here
        else
        {
            var e = Assert.Throws<TorchNativeException>(() => TorchNative.Load(copy));   // Debian 12: GCC 12's libstdc++
            Assert.Contains(copy, e.Message);
            Assert.Contains("GLIBCXX_3.4.32' not found", e.Message);
        }
    }

    [Fact]
    public void A_non_elf_file_is_rejected_by_the_reader_with_its_name()
    {
        var bogus = Path.Combine(Path.GetTempPath(), $"bogus-{Guid.NewGuid():N}.so");
        File.WriteAllBytes(bogus, new byte[100]);
        try { Assert.Contains(bogus, Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(bogus)).Message); }
        finally { File.Delete(bogus); }
    }

    [Fact]
    public void Prepare_is_idempotent_and_reports_where_libtorch_came_from()
    {
        var report = TorchNative.Prepare();
        Assert.Same(report, TorchNative.Prepare());
        Assert.Contains("libtorch from", report);
    }
}
