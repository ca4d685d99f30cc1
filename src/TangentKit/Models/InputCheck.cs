using System.Runtime.CompilerServices;
using TangentKit.Autodiff;
using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Models;

/// <summary>
/// The checks a model runs at its boundary, before any torch op: the input batch against the model's configuration
/// (rank, channels, spatial size, dtype, device) and a parameter set against the names and shapes the model expects.
/// libtorch reports a wrong batch deep inside an op ("running_mean should contain 16 elements not 8") or, for some
/// ops, aborts the process; these errors name the argument, what was expected and what was found instead.
/// Only shapes, dtypes and devices are read (no host sync): the input check runs on every forward.
/// </summary>
internal static class InputCheck
{
    /// <summary>An image batch [B, C, H, W] with C = <paramref name="channels"/> (and H = W = size when set).</summary>
    public static void Images(IFunctionalModel model, Dual x, Dual firstWeight, long channels, long? size = null,
        long minSize = 1, string? note = null)
    {
        var s = x.Shape;
        bool fits = s.Length == 4 && s[1] == channels &&
            (size is { } n ? s[2] == n && s[3] == n : s[2] >= minSize && s[3] >= minSize);
        if (!fits)
        {
            string expected = size is { } n2 ? $"[B, {channels}, {n2}, {n2}]"
                : $"[B, {channels}, H, W] with H, W ≥ {minSize}";
            throw new ArgumentException(
                $"image batch for {model.Name} must be {expected}{note}; got {Show(s)}.", nameof(x));
        }
        FloatingLike(model, "image batch", x.Primal, firstWeight.Primal);
    }

    /// <summary>A batch [B, …] whose rows flatten to <paramref name="features"/> values (an MLP's input).</summary>
    public static void Features(IFunctionalModel model, Dual x, Dual firstWeight, long features)
    {
        var s = x.Shape;
        long perRow = s.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (s.Length < 2 || perRow != features)
            throw new ArgumentException($"input batch for {model.Name} must be [B, {features}] (or [B, …] with " +
                $"{features} values per row); got {Show(s)}" +
                (s.Length < 2 ? " (no batch dimension)." : $" ({perRow} values per row)."), nameof(x));
        FloatingLike(model, "input batch", x.Primal, firstWeight.Primal);
    }

    /// <summary>Token ids [B, N]: an integer tensor with 1 ≤ N ≤ <paramref name="contextLength"/>.</summary>
    public static void Tokens(IFunctionalModel model, Dual x, long contextLength)
    {
        var ids = x.Primal;
        var s = x.Shape;
        if (s.Length != 2 || s[1] < 1 || s[1] > contextLength)
            throw new ArgumentException($"token ids for {model.Name} must be [B, N] with 1 ≤ N ≤ {contextLength} " +
                $"(the context length); got {Show(s)}.", nameof(x));
        if (ids.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"token ids for {model.Name} must be Int64 (or Int32); got {ids.dtype}.",
                nameof(x));
    }

    // The input must be floating point in the parameters' dtype, on their device: libtorch's convolutions and
    // matmuls refuse a mix ("expected scalar type Double but found Float").
    static void FloatingLike(IFunctionalModel model, string what, Tensor x, Tensor weight)
    {
        if (x.dtype != weight.dtype)
            throw new ArgumentException($"{what} for {model.Name} must be {weight.dtype} (the dtype of its " +
                $"parameters); got {x.dtype}.", nameof(x));
        if (x.device_type != weight.device_type || x.device_index != weight.device_index)
            throw new ArgumentException($"{what} for {model.Name} must be on {weight.device} (where its parameters " +
                $"are); got {x.device}.", nameof(x));
    }

    /// <summary>
    /// <paramref name="theta"/> holds every floating-point entry <paramref name="model"/> reads, with the shape it
    /// expects, all in one dtype (extra entries are allowed). Models outside this library are not checked.
    /// </summary>
    public static void Parameters(IFunctionalModel model, ParameterSet theta, string thetaName = "θ",
        string paramName = "theta")
    {
        if (LayoutOf(model) is not { } layout) return;
        var missing = new List<string>();
        var shapes = new List<string>();
        var dtypes = new List<string>();
        ScalarType? dtype = null;
        foreach (var (name, expected) in layout)
        {
            if (!theta.TryGetValue(name, out var t)) { missing.Add(name); continue; }
            var got = t.shape;
            if (!got.SequenceEqual(expected)) shapes.Add($"{name} is {Show(got)}, expected {Show(expected)}");
            if (!t.is_floating_point()) dtypes.Add($"{name} is {t.dtype}, expected floating point");
            else if (dtype is null) dtype = t.dtype;
            else if (t.dtype != dtype) dtypes.Add($"{name} is {t.dtype}, the others {dtype}");
        }
        if (missing.Count + shapes.Count + dtypes.Count == 0) return;
        static string List(string what, List<string> xs) => xs.Count == 0 ? ""
            : $" {what} ({xs.Count}): {string.Join(", ", xs.Take(6))}{(xs.Count > 6 ? ", …" : "")};";
        throw new ArgumentException($"{thetaName} does not fit {model.Name}:" + List("shape mismatch", shapes) +
            List("missing", missing) + List("dtype mismatch", dtypes), paramName);
    }

    // One layout per model instance, built on the meta device (shapes without storage), floating-point entries only.
    static readonly ConditionalWeakTable<IFunctionalModel, List<(string Name, long[] Shape)>> Layouts = new();

    static List<(string Name, long[] Shape)>? LayoutOf(IFunctionalModel model)
    {
        if (Layouts.TryGetValue(model, out var cached)) return cached;
        using var set = model switch
        {
            ResNet m => m.Initialize(Init.ShapesOnly()),
            VisionTransformer m => m.Initialize(Init.ShapesOnly()),
            TextTransformer m => m.Initialize(Init.ShapesOnly()),
            Mlp m => m.Initialize(Init.ShapesOnly()),
            _ => null,
        };
        if (set is null) return null;
        var layout = set.Where(_ => true).Where(kv => kv.Value.is_floating_point())
            .Select(kv => (kv.Key, kv.Value.shape)).ToList();
        return Layouts.GetValue(model, _ => layout);
    }

    /// <summary>A shape as the caller writes it: <c>[2, 3, 32, 32]</c>.</summary>
    public static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
