using TorchSharp;
using static TorchSharp.torch;

namespace TangentKit.Autodiff;

public static partial class DualOps
{
    /// <summary>
    /// Concatenation along <paramref name="dim"/>; zero tangents are materialized only if some part has one.
    /// </summary>
    public static Dual Cat(IReadOnlyList<Dual> parts, long dim)
    {
        var y = cat(parts.Select(p => p.Primal).ToList(), dim);
        if (parts.All(p => p.Tangent is null)) return new(y, null);
        return new(y, cat(parts.Select(p => p.TangentOrZeros()).ToList(), dim));
    }

    /// <summary>Reshape of both parts.</summary>
    public static Dual Reshape(Dual x, params long[] shape) => x.Map(t => t.reshape(shape));

    /// <summary>Flatten dims from <paramref name="startDim"/> on.</summary>
    public static Dual Flatten(Dual x, long startDim = 1) => x.Map(t => t.flatten(startDim));

    /// <summary>Transpose two dims.</summary>
    public static Dual Transpose(Dual x, long dim0, long dim1) => x.Map(t => t.transpose(dim0, dim1));

    /// <summary>Permute dims.</summary>
    public static Dual Permute(Dual x, params long[] dims) => x.Map(t => t.permute(dims));

    /// <summary>Select one index along a dim (e.g. the CLS token).</summary>
    public static Dual Select(Dual x, long dim, long index) => x.Map(t => t.select(dim, index));

    /// <summary>A slice [start, start+length) along a dim.</summary>
    public static Dual Narrow(Dual x, long dim, long start, long length) => x.Map(t => t.narrow(dim, start, length));

    /// <summary>Mean over dims (token pooling).</summary>
    public static Dual Mean(Dual x, long[] dims, bool keepdim = false) => x.Map(t => t.mean(dims, keepdim));
}
