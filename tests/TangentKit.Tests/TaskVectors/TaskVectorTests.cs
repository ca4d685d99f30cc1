using System.Buffers.Binary;
using System.Text.Json;
using TangentKit.Linearization;
using TangentKit.Models;
using TangentKit.TaskVectors;

namespace TangentKit.Tests.TaskVectors;

public class TaskVectorTests
{
    static Tensor T(params double[] v) => tensor(v, dtype: ScalarType.Float64);

    static ParameterSet Theta(double[] a, double[] b) => new ParameterSet()
        .Add("a", T(a)).Add("b", T(b)).Add("count", tensor(new long[] { 7 }), isBuffer: true);

    static double[] V(TaskVector tv, string name) => tv.Entries[name].data<double>().ToArray();

    [Fact]
    public void Between_subtracts_by_name_and_skips_integer_buffers()
    {
        using var t0 = Theta([1, 2], [3]);
        using var t1 = Theta([2, 5], [1]);
        using var tau = TaskVector.Between(t0, t1);
        Assert.Equal(new[] { "a", "b" }, tau.Entries.Names);
        Assert.Equal(new[] { 1.0, 3.0 }, V(tau, "a"));
        Assert.Equal(new[] { -2.0 }, V(tau, "b"));
    }

    [Fact]
    public void Algebra_matches_hand_computed_values()
    {
        using var t0 = Theta([0, 0], [0]);
        using var x = TaskVector.Between(t0, Theta([1, 2], [2]));   // (1, 2, 2): norm 3
        using var y = TaskVector.Between(t0, Theta([2, 0], [-1]));  // (2, 0, −1): norm √5
        Assert.Equal(new[] { 3.0, 2.0 }, V(x + y, "a"));
        Assert.Equal(new[] { -1.0, 2.0 }, V(x - y, "a"));
        Assert.Equal(new[] { -1.0, -2.0 }, V(-x, "a"));
        Assert.Equal(new[] { 0.5, 1.0 }, V(0.5 * x, "a"));
        Assert.Equal(new[] { 0.5, 1.0 }, V(x * 0.5, "a"));
        Assert.Equal(new[] { 3.0 }, V(TaskVector.Sum([x, y, x]), "b"));    // 2 − 1 + 2
        Assert.Equal(0.0, TaskVector.Dot(x, y), 12);                // 2 + 0 − 2
        Assert.Equal(3.0, x.Norm(), 12);
        using var z = TaskVector.Between(t0, Theta([2, 4], [4]));
        Assert.Equal(1.0, TaskVector.Cosine(x, z), 12);
        Assert.Equal(new[] { 1.0, 2.0 }, V(x, "a"));                 // operands unchanged
    }

    [Fact]
    public void ApplyTo_adds_the_scaled_vector_and_keeps_other_entries()
    {
        using var t0 = Theta([1, 2], [3]);
        using var tau = TaskVector.Between(t0, Theta([3, 2], [1]));
        using var edited = tau.ApplyTo(t0, 0.5);
        Assert.Equal(new[] { 2.0, 2.0 }, edited["a"].data<double>().ToArray());
        Assert.Equal(new[] { 2.0 }, edited["b"].data<double>().ToArray());
        Assert.Equal(7L, edited["count"].item<long>());
        Assert.True(edited.IsBuffer("count"));
        using var negated = (-tau).ApplyTo(t0, 1.0);
        Assert.Equal(new[] { -1.0, 2.0 }, negated["a"].data<double>().ToArray());
    }

    [Fact]
    public void ApplyTo_a_linearized_model_evaluates_f0_plus_alpha_J_tau()
    {
        var model = new Mlp([4, 5, 3]);
        using var theta0 = model.Initialize(1, ScalarType.Float64);
        using var thetaStar = theta0.Map((_, t) => t + 0.1 * randn_like(t));
        using var tau = TaskVector.Between(theta0, thetaStar);
        var x = randn(6, 4, dtype: ScalarType.Float64);
        var lin = model.Linearize(theta0);
        var expected = model.Forward(theta0, x) + 0.7 * lin.Jvp(x, tau.Entries);
        var actual = tau.ApplyTo(lin, 0.7).Forward(x);
        Assert.True((actual - expected).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void Mismatched_names_or_shapes_are_named_in_the_error()
    {
        using var t0 = Theta([1, 2], [3]);
        using var other = new ParameterSet().Add("a", T(1, 2, 3)).Add("c", T(1));
        var e = Assert.Throws<ArgumentException>(() => TaskVector.Between(t0, other));
        Assert.Contains("only in θ0: b", e.Message);
        Assert.Contains("only in θ*: c", e.Message);
        Assert.Contains("a [2] vs [3]", e.Message);
    }

    [Fact]
    public void Saved_safetensors_follow_the_format_pytorch_reads()
    {
        // Parsed here by the safetensors specification: u64 little-endian header length, JSON header, raw
        // little-endian data.
        using var t0 = new ParameterSet().Add("layer.weight", zeros(2, 2)).Add("layer.bias", zeros(3));
        using var t1 = new ParameterSet().Add("layer.weight", tensor(new float[] { 1, 2, 3, 4 }).view(2, 2))
            .Add("layer.bias", tensor(new float[] { -1, 0.5f, 8 }));
        using var tau = TaskVector.Between(t0, t1);
        var path = Path.Combine(Path.GetTempPath(), $"tv-{Guid.NewGuid():N}.safetensors");
        try
        {
            tau.Save(path);
            var bytes = File.ReadAllBytes(path);
            var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
            var w = header.RootElement.GetProperty("layer.weight");
            Assert.Equal("F32", w.GetProperty("dtype").GetString());
            Assert.Equal(new long[] { 2, 2 }, w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            var offsets = w.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int start = 8 + headerLength + offsets[0];
            Assert.Equal(16, offsets[1] - offsets[0]);
            var floats = Enumerable.Range(0, 4)
                .Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(start + 4 * i))).ToArray();
            Assert.Equal(new float[] { 1, 2, 3, 4 }, floats);
            using var back = TaskVector.Load(path);
            Assert.Equal(new float[] { -1, 0.5f, 8 }, back.Entries["layer.bias"].data<float>().ToArray());
        }
        finally { File.Delete(path); }
    }
}
