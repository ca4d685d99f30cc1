using TangentKit.Native;

namespace TangentKit.Tests.Native;

public class NativeTests
{
    static string PristineGlue()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native",
            "libLibTorchSharp.so");
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
            Assert.EndsWith("file too short", e.Message);                                  // dlerror's own words
        }
        finally { File.Delete(bogus); }
    }

    // A copy of the glue library whose GLIBCXX_3.4.32 need is renamed GLIBCXX_3.4.99, a version no libstdc++ defines
    // (GCC 15 is at 3.4.34): unsatisfiable on every host, as GLIBCXX_3.4.32 is on Debian 12. The name keeps its
    // length, so only .dynstr changes; the need keeps 3.4.32's hash, which cannot make it match, as the loader
    // (glibc's dl-version.c) requires hash and name to agree.
    static string GlueNeedingAnUndefinedVersion(string dir)
    {
        var bytes = File.ReadAllBytes(PristineGlue());
        var name = System.Text.Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.32\0");
        int at = bytes.AsSpan().IndexOf(name);
        Assert.True(at >= 0 && bytes.AsSpan(at + 1).IndexOf(name) < 0, "expected one GLIBCXX_3.4.32 in .dynstr");
        System.Text.Encoding.ASCII.GetBytes("GLIBCXX_3.4.99").CopyTo(bytes, at + 1);
        var path = Path.Combine(dir, "libLibTorchSharp.so");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_too_new_glibcxx_need_fails_to_load_with_the_loader_reason_and_loads_once_weakened()
    {
        var dir = Directory.CreateTempSubdirectory("glue-").FullName;
        try
        {
            var glue = GlueNeedingAnUndefinedVersion(dir);
            var before = ElfVersionNeeds.Read(glue);
            Assert.Contains(before, n => n is { Library: "libstdc++.so.6", Version: "GLIBCXX_3.4.99", IsWeak: false });
            Assert.DoesNotContain(before, n => n.Version == "GLIBCXX_3.4.32");

            var e = Assert.Throws<TorchNativeException>(() => TorchNative.Load(glue));
            Assert.Contains(glue, e.Message);
            Assert.Contains("version `GLIBCXX_3.4.99' not found", e.Message);                // dlerror's own words

            Assert.Equal(1, ElfVersionNeeds.Weaken(glue, ElfVersionNeeds.IsNewerThanDebian12LibStdCxx));
            var after = ElfVersionNeeds.Read(glue);
            Assert.Equal(before.Select(n => n.Version == "GLIBCXX_3.4.99" ? n with { IsWeak = true } : n), after);
            TorchNative.Load(glue);                                           // the loader now tolerates the absence
        }
        finally { Directory.Delete(dir, recursive: true); }
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

    [Fact]
    public void The_cuda_backend_loads_the_cuda_parts_of_libtorch_and_names_them_when_absent()
    {
        var app = Directory.CreateTempSubdirectory("tangentkit-layout-").FullName;
        try
        {
            var native = Directory.CreateDirectory(Path.Combine(app, "runtimes", "linux-x64", "native")).FullName;
            foreach (var lib in new[] { "libLibTorchSharp.so", "libc10.so", "libtorch_cpu.so", "libtorch.so" })
                File.WriteAllBytes(Path.Combine(native, lib), []);
            var cpu = NativeLayout.Find(app, app, "cpu");
            Assert.Equal(native, cpu.LibTorchDir);
            Assert.Equal(["libc10.so", "libtorch_cpu.so", "libtorch.so"], cpu.Libraries);

            var e = Assert.Throws<TorchNativeException>(() => NativeLayout.Find(app, app, "cuda"));
            Assert.Contains("libc10_cuda.so, libtorch_cuda.so", e.Message);
            Assert.Contains("-p:TorchBackend=cuda", e.Message);

            foreach (var lib in new[] { "libc10_cuda.so", "libtorch_cuda.so" })
                File.WriteAllBytes(Path.Combine(native, lib), []);
            var cuda = NativeLayout.Find(app, app, "cuda");
            Assert.Equal("cuda", cuda.Backend);
            // c10 before c10_cuda, torch_cpu before torch_cuda, torch last: each library after those it needs
            Assert.Equal(["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"],
                cuda.Libraries);
            Assert.Contains("cpu or cuda",
                Assert.Throws<TorchNativeException>(() => NativeLayout.Find(app, app, "rocm")).Message);
        }
        finally { Directory.Delete(app, recursive: true); }
    }
}
