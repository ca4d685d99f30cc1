using System.Collections;
using System.Collections.Specialized;
using TangentKit.IO;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// Reads and writes <see cref="ParameterSet"/>s as safetensors (<c>.safetensors</c>) or PyTorch zip state dicts (<c>.pt</c>/<c>.pth</c>/<c>.bin</c>),
/// through TorchSharp.PyBridge; files written here load in PyTorch with <c>safetensors.torch.load_file</c> / <c>torch.load</c>.
/// Writes are atomic (temporary file, then rename).
/// </summary>
public static class ParameterFiles
{
    /// <summary>Writes <paramref name="set"/> to <paramref name="path"/>; the format follows the extension.</summary>
    public static void Save(ParameterSet set, string path)
    {
        var cpu = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var scope = NewDisposeScope();
        foreach (var (name, t) in set) cpu[name] = t.detach().cpu().contiguous();
        if (IsSafetensors(path))
            AtomicFile.Write(path, s => Safetensors.SaveStateDict(s, cpu, leaveOpen: true));
        else
        {
            var ordered = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var (name, t) in cpu) ordered[name] = t;
            AtomicFile.Write(path, s => PyTorchPickler.PickleStateDict(s, ordered, leaveOpen: true));
        }
    }

    /// <summary>Reads every tensor of a safetensors or PyTorch state-dict file (no buffer marks; entries of a .pt file in name order).</summary>
    public static ParameterSet Load(string path)
    {
        var set = new ParameterSet();
        foreach (var (name, tensor) in ReadRaw(path)) set.Add(name, tensor);
        return set;
    }

    /// <summary>
    /// Reads a file that must hold exactly the names and shapes of <paramref name="template"/> (a model's freshly
    /// initialised parameters); floating-point entries are converted to the template's dtype. The error lists the
    /// missing, unexpected and mis-shaped names.
    /// </summary>
    public static ParameterSet LoadLike(string path, ParameterSet template)
    {
        var raw = ReadRaw(path).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var missing = template.Names.Where(n => !raw.ContainsKey(n)).ToList();
        var unexpected = raw.Keys.Where(n => !template.ContainsKey(n)).ToList();
        var misShaped = template.Names.Where(n => raw.ContainsKey(n) && !raw[n].shape.SequenceEqual(template[n].shape))
            .Select(n => $"{n}: file [{string.Join(",", raw[n].shape)}], expected [{string.Join(",", template[n].shape)}]").ToList();
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
        {
            foreach (var t in raw.Values) t.Dispose();
            throw new InvalidDataException($"{path} does not match the model's parameters:" +
                Describe(" missing", missing) + Describe(" unexpected", unexpected) + Describe(" shape mismatch", misShaped));
        }
        var set = new ParameterSet();
        foreach (var n in template.Names)
        {
            var t = raw[n];
            set.Add(n, t.is_floating_point() && t.dtype != template[n].dtype ? t.to_type(template[n].dtype) : t, template.IsBuffer(n));
        }
        return set;
    }

    static string Describe(string what, List<string> names) =>
        names.Count == 0 ? "" : $"{what} ({names.Count}): {string.Join(", ", names.Take(8))}{(names.Count > 8 ? ", …" : "")};";

    static bool IsSafetensors(string path) => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);

    static IEnumerable<KeyValuePair<string, Tensor>> ReadRaw(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"parameter file not found: {path}", path);
        try
        {
            if (IsSafetensors(path))
            {
                using var s = File.OpenRead(path);
                return Safetensors.LoadStateDict(s);
            }
            using var stream = File.OpenRead(path);
            var table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: false);
            return table.Cast<DictionaryEntry>()
                .Select(e => new KeyValuePair<string, Tensor>((string)e.Key, (Tensor)e.Value!))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a readable {(IsSafetensors(path) ? "safetensors" : "PyTorch state-dict")} file ({e.GetType().Name}: {e.Message}).", e);
        }
    }
}
