using System.Collections;
using System.Collections.Specialized;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using TangentKit.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// Reads and writes <see cref="ParameterSet"/>s as safetensors (<c>.safetensors</c>) or PyTorch zip state dicts
/// (<c>.pt</c>/<c>.pth</c>/<c>.bin</c>), through TorchSharp.PyBridge; files written here load in PyTorch with
/// <c>safetensors.torch.load_file</c> / <c>torch.load</c>. Writes are atomic (temporary file, then rename).
/// </summary>
public static class ParameterFiles
{
    /// <summary>
    /// Writes <paramref name="set"/> to <paramref name="path"/>; the format follows the extension. Every name gets
    /// <paramref name="prefix"/> in front (e.g. <c>visual.</c> to merge into a full CLIP state dict), and
    /// floating-point entries are converted to <paramref name="dtype"/> when it is given. Tensors are written from the
    /// CPU, contiguous.
    /// </summary>
    public static void Save(ParameterSet set, string path, string prefix = "", ScalarType? dtype = null)
    {
        var cpu = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach (var (name, t) in set)
        {
            var onCpu = t.detach().cpu();
            if (dtype is { } d && onCpu.is_floating_point() && onCpu.dtype != d) onCpu = onCpu.to_type(d);
            cpu[prefix + name] = onCpu.contiguous();
        }
        if (IsSafetensors(path))
            AtomicFile.Write(path, s => Safetensors.SaveStateDict(s, cpu, leaveOpen: true));
        else
        {
            var ordered = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var (name, t) in cpu) ordered[name] = t;
            AtomicFile.Write(path, s => PyTorchPickler.PickleStateDict(s, ordered, leaveOpen: true));
        }
    }

    /// <summary>
    /// Reads every tensor of a safetensors or PyTorch state-dict file (no buffer marks; entries of a .pt file in name
    /// order).
    /// </summary>
    public static ParameterSet Load(string path)
    {
        var set = new ParameterSet();
        foreach (var (name, tensor) in ReadRaw(path)) set.Add(name, tensor);
        return set;
    }

    /// <summary>
    /// Reads a file that must hold exactly the names and shapes of <paramref name="template"/> (a model's freshly
    /// initialized parameters); floating-point entries are converted to the template's dtype. The error lists the
    /// missing, unexpected and mis-shaped names.
    /// </summary>
    public static ParameterSet LoadLike(string path, ParameterSet template)
    {
        var raw = ReadRaw(path).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var missing = template.Names.Where(n => !raw.ContainsKey(n)).ToList();
        var unexpected = raw.Keys.Where(n => !template.ContainsKey(n)).ToList();
        var misShaped = template.Names.Where(n => raw.ContainsKey(n) && !raw[n].shape.SequenceEqual(template[n].shape))
            .Select(n => $"{n}: file [{string.Join(",", raw[n].shape)}], " +
                $"expected [{string.Join(",", template[n].shape)}]").ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            foreach (var t in raw.Values) t.Dispose();
            throw new InvalidDataException($"{path} does not match the model's parameters:" +
                Describe(" missing", missing) + Describe(" unexpected", unexpected) +
                Describe(" shape mismatch", misShaped));
        }
        var set = new ParameterSet();
        foreach (var n in template.Names)
        {
            var t = raw[n];
            set.Add(n, t.is_floating_point() && t.dtype != template[n].dtype ? t.to_type(template[n].dtype) : t,
                template.IsBuffer(n));
        }
        return set;
    }

    /// <summary>" what (n): a, b, …;" for a non-empty list of names (the wording of the layout errors).</summary>
    internal static string Describe(string what, List<string> names) =>
        names.Count == 0 ? ""
            : $"{what} ({names.Count}): {string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : "")};";

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    static IEnumerable<KeyValuePair<string, Tensor>> ReadRaw(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"parameter file not found: {path} (expected a .safetensors file or a " +
                ".pt/.pth/.bin PyTorch state dict there).", path);
        if (IsSafetensors(path)) CheckSafetensorsHeader(path);
        else
        {
            CheckZipMagic(path);
            CheckPickleArchive(path);
        }
        Hashtable table;
        try
        {
            if (IsSafetensors(path))
            {
                // PyBridge's safetensors reader allocates on the default device; a file is read into host memory.
                var previous = get_default_device();
                set_default_device(CPU);
                try
                {
                    using var s = File.OpenRead(path);
                    return Safetensors.LoadStateDict(s);
                }
                finally { set_default_device(previous); }
            }
            using var stream = File.OpenRead(path);
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: false);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException(
                $"{path}: not a readable {(IsSafetensors(path) ? "safetensors" : "PyTorch state-dict")} file " +
                $"({e.GetType().Name}: {e.Message}){(IsSafetensors(path) ? "" : StateDictRecipe(path))}.", e);
        }
        var entries = new List<KeyValuePair<string, Tensor>>();
        foreach (DictionaryEntry e in table)
        {
            if (e.Key is string name && e.Value is Tensor t) entries.Add(new(name, t));
            else
            {
                foreach (var v in table.Values) (v as Tensor)?.Dispose();
                throw new InvalidDataException($"{path}: entry '{e.Key}' holds " +
                    $"{e.Value?.GetType().Name ?? "None"}, not a tensor; a state dict maps parameter names to " +
                    "tensors (for a training checkpoint, save the state dict it holds instead).");
            }
        }
        return entries.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
    }

    static string StateDictRecipe(string path) =>
        "; if it holds a whole pickled model (torch.save(model)), save its state dict once with: " +
        SaveStateDict(path);

    // The shell command that re-saves a pickled model's state dict (weights_only=False: the file holds a class).
    static string SaveStateDict(string path) =>
        $"python -c \"import torch; torch.save(torch.load('{path}', map_location='cpu', weights_only=False)" +
        $".state_dict(), '{StatePath(path)}')\"";

    // ViT-B-32.pt -> ViT-B-32-state.pt, next to the original.
    static string StatePath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-state.pt");

    // torch.save's archive is <root>/data.pkl, <root>/data/<n>, <root>/version (and byteorder); torch.jit.save adds
    // <root>/code/ (the TorchScript source) and <root>/constants.pkl, and its data.pkl pickles a scripted module that
    // PyBridge's unpickler cannot build. A pickled nn.Module (torch.save(model)) starts data.pkl with the module's
    // class instead of collections.OrderedDict or a dict. Both are recognized here, before the unpickler runs.
    static void CheckPickleArchive(string path)
    {
        using var zip = OpenZip(path);
        var names = zip.Entries.Select(e => e.FullName).ToList();
        var parts = names.Select(n => n.Split('/')).ToList();
        string? root = parts.FirstOrDefault(p => p is [_, "constants.pkl"])?[0]
            ?? parts.FirstOrDefault(p => p.Length > 2 && p[1] == "code")?[0];
        if (root is not null)
            throw new InvalidDataException($"{path} is a TorchScript archive (torch.jit.save: it holds {root}/code/ " +
                $"and {root}/constants.pkl), not a state dict, which is what the kit reads. Convert it once with: " +
                $"python -c \"import torch; torch.save(torch.jit.load('{path}', map_location='cpu').state_dict(), " +
                $"'{StatePath(path)}')\"");
        var data = zip.Entries.FirstOrDefault(e => e.FullName.Split('/') is [_, "data.pkl"]);
        if (data is null)
            throw new InvalidDataException($"{path}: a zip archive without <archive>/data.pkl, so not a PyTorch " +
                $"state-dict file (entries: {string.Join(", ", names.Take(5))}{(names.Count > 5 ? ", …" : "")}).");
        var head = new byte[256];
        int read;
        using (var s = data.Open()) read = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (PickledClass(head.AsSpan(0, read)) is { } cls && cls != "collections.OrderedDict")
            throw new InvalidDataException($"{path} holds a pickled {cls} object (torch.save of a whole model), not " +
                "a state dict; save its state dict once, in a Python environment where that class imports, with: " +
                SaveStateDict(path));
    }

    static ZipArchive OpenZip(string path)
    {
        try { return ZipFile.OpenRead(path); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: starts like a zip archive but its directory cannot be read " +
                $"(truncated?): {e.Message}", e);
        }
    }

    // The class of a pickle's top-level object when the pickle opens by naming one: PROTO n, then GLOBAL
    // "module\nname\n" (protocols 0-3, torch.save's default 2) or [FRAME,] SHORT_BINUNICODE module, [MEMOIZE,]
    // SHORT_BINUNICODE name, [MEMOIZE,] STACK_GLOBAL (protocol 4+). Null for anything else (a dict, a list).
    static string? PickledClass(ReadOnlySpan<byte> p)
    {
        int i = p.Length >= 2 && p[0] == 0x80 ? 2 : 0;
        if (i < p.Length && p[i] == 0x95) i += 9;                           // FRAME n (protocol 4+)
        if (i < p.Length && p[i] == (byte)'c')
        {
            var rest = p[(i + 1)..];
            int a = rest.IndexOf((byte)'\n');
            if (a < 0) return null;
            int b = rest[(a + 1)..].IndexOf((byte)'\n');
            if (b < 0) return null;
            return $"{Encoding.ASCII.GetString(rest[..a])}.{Encoding.ASCII.GetString(rest.Slice(a + 1, b))}";
        }
        var parts = new List<string>();
        while (parts.Count < 2 && i + 1 < p.Length && p[i] == 0x8c && i + 2 + p[i + 1] <= p.Length)
        {
            parts.Add(Encoding.UTF8.GetString(p.Slice(i + 2, p[i + 1])));
            i += 2 + p[i + 1];
            if (i < p.Length && p[i] == 0x94) i++;
        }
        return parts.Count == 2 && i < p.Length && p[i] == 0x93 ? $"{parts[0]}.{parts[1]}" : null;
    }

    // Bytes per element of the safetensors dtypes (the specification's names).
    static readonly Dictionary<string, int> SafetensorsDtypeSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1,
        ["U8"] = 1, ["BOOL"] = 1,
    };

    // The header is checked against the file before PyBridge reads it: a truncated or foreign file must not make
    // the reader copy past the end of its buffers. Layout: u64 little-endian header length, a JSON object of
    // name → {dtype, shape, data_offsets [start, end) into the data that follows}, optional "__metadata__".
    static void CheckSafetensorsHeader(string path)
    {
        long fileLength = new FileInfo(path).Length;
        Span<byte> prefix = stackalloc byte[8];
        using var s = File.OpenRead(path);
        if (fileLength < 8 || s.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8)
            throw Bad($"{fileLength} bytes, fewer than the 8-byte header length that starts a safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw Bad($"the header length field says {headerLength} bytes, but only {fileLength - 8} follow " +
                "(truncated, or not safetensors)");
        var header = new byte[headerLength];
        s.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)headerLength;
        JsonDocument document;
        try { document = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad($"the {headerLength}-byte header is not JSON ({e.Message})"); }
        using var _ = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad($"the header is a JSON {root.ValueKind}, expected an object");
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            var (name, v) = (entry.Name, entry.Value);
            if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty("dtype", out var dtype) ||
                !v.TryGetProperty("shape", out var shape) || !v.TryGetProperty("data_offsets", out var offsets) ||
                shape.ValueKind != JsonValueKind.Array || offsets.ValueKind != JsonValueKind.Array ||
                offsets.GetArrayLength() != 2)
                throw Bad($"tensor '{name}' needs dtype, shape and data_offsets [start, end]; " +
                    $"got {Clip(v.GetRawText())}");
            if (dtype.GetString() is not { } dt || !SafetensorsDtypeSizes.TryGetValue(dt, out int size))
                throw Bad($"tensor '{name}' has dtype {dtype.GetRawText()}, expected one of " +
                    string.Join(", ", SafetensorsDtypeSizes.Keys));
            long numel = 1;
            foreach (var d in shape.EnumerateArray())
                numel = d.TryGetInt64(out long n) && n >= 0 ? numel * n
                    : throw Bad($"tensor '{name}' has shape {shape.GetRawText()}, expected non-negative sizes");
            if (!offsets[0].TryGetInt64(out long start) || !offsets[1].TryGetInt64(out long end) ||
                start < 0 || end < start || end > dataLength || end - start != numel * size)
                throw Bad($"tensor '{name}' ({dt} {shape.GetRawText()}, {numel * size} bytes) has data_offsets " +
                    $"{offsets.GetRawText()}, expected {numel * size} bytes within the {dataLength} data bytes " +
                    "of the file (truncated?)");
        }

        InvalidDataException Bad(string what) => new($"{path}: not a valid safetensors file: {what}.");
        static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "…";
    }

    // torch.save writes a zip archive (local file header "PK\x03\x04"); the legacy pickle-only format is not read.
    static void CheckZipMagic(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        int read;
        using (var s = File.OpenRead(path)) read = s.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (read == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) return;
        string got = read == 0 ? "the file is empty" : $"it starts with {Convert.ToHexString(magic[..read])}";
        throw new InvalidDataException($"{path}: not a PyTorch state-dict file: expected a zip archive as torch.save " +
            $"writes (starting with 504B0304, \"PK\"); {got}.");
    }
}
