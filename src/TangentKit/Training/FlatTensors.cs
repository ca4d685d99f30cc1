using TangentKit.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Training;

/// <summary>
/// Named tensors stored back to back in one contiguous 1-D buffer, each name a view of it, so that an update of all
/// of them (AdamW, clipping and the gradient norm of a training step) is a handful of native calls on
/// <see cref="Flat"/> instead of a handful per tensor.
/// </summary>
public sealed class FlatTensors : IDisposable
{
    readonly string[] _names;
    readonly long[][] _shapes;
    readonly long[] _sizes;
    readonly Tensor _data;

    /// <summary>
    /// Copies of <paramref name="entries"/> (or zeros shaped like them when <paramref name="zeros"/>) in one buffer;
    /// every entry must have the same dtype and device.
    /// </summary>
    public FlatTensors(IEnumerable<KeyValuePair<string, Tensor>> entries, bool zeros = false)
    {
        var list = entries.ToList();
        if (list.Count == 0) throw new ArgumentException("there are no tensors to store.", nameof(entries));
        var first = list[0].Value;
        foreach (var (name, t) in list)
            if (t.dtype != first.dtype || t.device_type != first.device_type || t.device_index != first.device_index)
                throw new ArgumentException($"tensor '{name}' is {t.dtype} on {t.device}, but '{list[0].Key}' is " +
                    $"{first.dtype} on {first.device}: one buffer holds one dtype on one device.", nameof(entries));
        _names = list.Select(kv => kv.Key).ToArray();
        _shapes = list.Select(kv => kv.Value.shape).ToArray();
        _sizes = list.Select(kv => kv.Value.numel()).ToArray();
        using (no_grad())
            Flat = zeros
                ? torch.zeros(_sizes.Sum(), dtype: first.dtype, device: first.device)
                : cat(list.Select(kv => kv.Value.detach().reshape(-1)).ToList(), 0);
        Flat.DetachFromDisposeScope();
        _data = Flat.detach().DetachFromDisposeScope();      // an alias outside autograd, sharing the storage
        Views = new ParameterSet();
        long offset = 0;
        for (int i = 0; i < _names.Length; i++)
        {
            Views.Add(_names[i], _data.narrow(0, offset, _sizes[i]).view(_shapes[i]));
            offset += _sizes[i];
        }
    }

    /// <summary>The buffer: every entry, flattened, in order.</summary>
    public Tensor Flat { get; }

    /// <summary>
    /// Each entry as a view of <see cref="Flat"/> (made from an alias outside autograd, so a view can be a leaf that
    /// requires grad, or a preset <c>.grad</c> that autograd adds into in place).
    /// </summary>
    public ParameterSet Views { get; }

    /// <summary>Frees the buffer and its views.</summary>
    public void Dispose()
    {
        Views.Dispose();
        _data.Dispose();
        Flat.Dispose();
    }
}
