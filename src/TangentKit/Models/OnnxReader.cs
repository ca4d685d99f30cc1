using System.Buffers.Binary;
using System.Text;

namespace TangentKit.Models;

/// <summary>An ONNX graph node: operator, inputs, outputs and float attributes (what the importer needs).</summary>
public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, float> FloatAttributes);

/// <summary>An ONNX initializer: a named float tensor.</summary>
public sealed record OnnxInitializer(string Name, long[] Dims, float[] Values);

/// <summary>
/// A minimal reader of ONNX model files (protobuf wire format): nodes in graph order and float initializers, from
/// either <c>float_data</c> or <c>raw_data</c>. Enough to import CNN weights without an ONNX or protobuf dependency.
/// </summary>
public sealed class OnnxReader
{
    /// <summary>Nodes in graph (topological) order.</summary>
    public List<OnnxNode> Nodes { get; } = [];

    /// <summary>Initializers by name.</summary>
    public Dictionary<string, OnnxInitializer> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="path"/>; errors name the file.</summary>
    public static OnnxReader Read(string path)
    {
        var reader = new OnnxReader();
        try
        {
            var bytes = File.ReadAllBytes(path);
            foreach (var f in Fields(bytes))
                if (f.Number == 7) reader.ReadGraph(f.Bytes);                     // ModelProto.graph
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException
            or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: malformed ONNX protobuf ({e.Message}).", e);
        }
        if (reader.Nodes.Count == 0) throw new InvalidDataException($"{path}: no graph nodes; not an ONNX model.");
        return reader;
    }

    // One protobuf field: number, wire type, and either its varint value or its bytes.
    readonly record struct Field(int Number, int Wire, ulong Varint, ReadOnlyMemory<byte> Bytes);

    void ReadGraph(ReadOnlyMemory<byte> graph)
    {
        foreach (var f in Fields(graph))
        {
            if (f.Number == 1) Nodes.Add(ReadNode(f.Bytes));                                  // GraphProto.node
            else if (f.Number == 5) { var t = ReadTensor(f.Bytes); Initializers[t.Name] = t; } // GraphProto.initializer
        }
    }

    static OnnxNode ReadNode(ReadOnlyMemory<byte> node)
    {
        List<string> inputs = [], outputs = [];
        string op = "";
        var attributes = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var f in Fields(node))
        {
            switch (f.Number)
            {
                case 1: inputs.Add(Utf8(f.Bytes)); break;
                case 2: outputs.Add(Utf8(f.Bytes)); break;
                case 4: op = Utf8(f.Bytes); break;
                case 5:                                                // AttributeProto: 1 name, 2 f (fixed32 float)
                    string name = "";
                    float? value = null;
                    foreach (var a in Fields(f.Bytes))
                    {
                        if (a.Number == 1) name = Utf8(a.Bytes);
                        else if (a.Number == 2 && a.Wire == 5)
                            value = BinaryPrimitives.ReadSingleLittleEndian(a.Bytes.Span);
                    }
                    if (value is { } v) attributes[name] = v;
                    break;
            }
        }
        return new OnnxNode(op, inputs, outputs, attributes);
    }

    // TensorProto: 1 dims (int64, packed or not), 2 data_type (1 = FLOAT), 4 float_data (packed or fixed32), 8 name,
    // 9 raw_data.
    static OnnxInitializer ReadTensor(ReadOnlyMemory<byte> tensor)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        string name = "";
        ulong dataType = 0;
        ReadOnlyMemory<byte> raw = default;
        foreach (var f in Fields(tensor))
        {
            switch (f.Number)
            {
                case 1 when f.Wire == 0: dims.Add((long)f.Varint); break;
                case 1:
                    for (int pos = 0; pos < f.Bytes.Length;) dims.Add((long)ReadVarint(f.Bytes.Span, ref pos));
                    break;
                case 2: dataType = f.Varint; break;
                case 4 when f.Wire == 5: floats.Add(BinaryPrimitives.ReadSingleLittleEndian(f.Bytes.Span)); break;
                case 4: AddFloats(floats, f.Bytes.Span); break;
                case 8: name = Utf8(f.Bytes); break;
                case 9: raw = f.Bytes; break;
            }
        }
        if (dataType != 1) return new OnnxInitializer(name, dims.ToArray(), []);   // only FLOAT initializers are needed
        if (floats.Count == 0) AddFloats(floats, raw.Span);
        return new OnnxInitializer(name, dims.ToArray(), floats.ToArray());
    }

    static void AddFloats(List<float> into, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i + 4 <= bytes.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]));
    }

    static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        int pos = 0;
        while (pos < message.Length)
        {
            ulong key = ReadVarint(message.Span, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: yield return new Field(number, wire, ReadVarint(message.Span, ref pos), default); break;
                case 1: yield return new Field(number, wire, 0, message.Slice(pos, 8)); pos += 8; break;
                case 2:
                    int length = checked((int)ReadVarint(message.Span, ref pos));
                    yield return new Field(number, wire, 0, message.Slice(pos, length));
                    pos += length;
                    break;
                case 5: yield return new Field(number, wire, 0, message.Slice(pos, 4)); pos += 4; break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {wire} at byte {pos}.");
            }
        }
    }

    static ulong ReadVarint(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 63) throw new InvalidDataException("varint longer than 10 bytes.");
            byte b = span[pos++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
    }

    static string Utf8(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);
}
