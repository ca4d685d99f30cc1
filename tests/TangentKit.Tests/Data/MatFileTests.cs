using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TangentKit.Data.Readers;

namespace TangentKit.Tests.Data;

/// The MAT-file reader against files written by scipy.io.savemat (uncompressed and zlib-compressed), and against
/// scipy.io.loadmat's reading of hand-built files (big-endian, small data elements, doubles stored as uint8).
public sealed class MatFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tangentkit-mat-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Every numeric class at its extremes, a column-major matrix, complex, logical, char, multi-row char, a cell and
    // a struct array; the script prints each variable's shape and its values in column-major (Fortran) order.
    const string TypesScript = """
        import json, sys, numpy as np, scipy.io
        v = {
            'd': (np.arange(12, dtype=np.float64).reshape(3, 4) * 1.5 - 2),
            'f': np.array([[0.1, -2.5, 3e30, 1e-7, 0]], dtype=np.float32),
            'i8': np.array([[-128, -1, 0, 127]], dtype=np.int8),
            'u8': np.array([[0, 1, 254, 255]], dtype=np.uint8),
            'i16': np.array([[-32768, -1, 0, 32767]], dtype=np.int16),
            'u16': np.array([[0, 1, 65534, 65535]], dtype=np.uint16),
            'i32': np.array([[-2**31, -1, 0, 2**31 - 1]], dtype=np.int32),
            'u32': np.array([[0, 1, 2**32 - 2, 2**32 - 1]], dtype=np.uint32),
            'i64': np.array([[-2**63, -1, 0, 2**63 - 1]], dtype=np.int64),
            'u64': np.array([[0, 1, 2**64 - 2, 2**64 - 1]], dtype=np.uint64),
            'b': np.array([[True, False, True]]),
            'c': np.array([[1 + 2j, -3.5 - 0.25j]]),
            's': 'hello world',
            'rows': np.array(['abc', 'xyz']),
            'cell': np.array([['abc', np.array([[1.0, 2.0]]), 'defgh']], dtype=object),
        }
        st = np.zeros((1, 2), dtype=[('x', object), ('name', object)])
        st[0, 0] = (np.array([[7.0]]), 'first')
        st[0, 1] = (np.array([[8.0, 9.0]]), 'second')
        v['st'] = st
        scipy.io.savemat('types.mat', v)
        scipy.io.savemat('types_z.mat', v, do_compression=True)
        out = {}
        for k in ['d', 'f', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'b']:
            a = v[k]
            out[k] = {'shape': list(a.shape), 'values': [int(x) if a.dtype.kind in 'iub' else float(x)
                                                         for x in a.flatten(order='F')]}
        out['c'] = {'re': [float(x) for x in v['c'].real.flatten()], 'im': [float(x) for x in v['c'].imag.flatten()]}
        print(json.dumps(out))
        """;

    [Theory]
    [InlineData("types.mat")]
    [InlineData("types_z.mat")]
    public void Every_class_written_by_scipy_reads_back(string file)
    {
        var expected = JsonDocument.Parse(PythonOracle.Run(TypesScript, _dir)).RootElement;
        var mat = MatFile.Read(Path.Combine(_dir, file));
        Assert.StartsWith("MATLAB 5.0 MAT-file", mat.Header);
        var classes = new Dictionary<string, MatClass>
        {
            ["d"] = MatClass.Double, ["f"] = MatClass.Single, ["i8"] = MatClass.Int8, ["u8"] = MatClass.UInt8,
            ["i16"] = MatClass.Int16, ["u16"] = MatClass.UInt16, ["i32"] = MatClass.Int32,
            ["u32"] = MatClass.UInt32, ["i64"] = MatClass.Int64, ["u64"] = MatClass.UInt64, ["b"] = MatClass.UInt8,
        };
        foreach (var (name, cls) in classes)
        {
            var array = mat.Get<MatNumeric>(name);
            var e = expected.GetProperty(name);
            Assert.Equal(cls, array.Class);
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), array.Dims);
            var values = e.GetProperty("values").EnumerateArray().ToList();
            Assert.Equal(values.Count, array.Data.Length);
            for (int i = 0; i < values.Count; i++)
            {
                object actual = array.Data.GetValue(i)!;
                string want = values[i].GetRawText();
                string got = actual switch
                {
                    float f => ((double)f).ToString("R"), double d => d.ToString("R"),
                    _ => Convert.ToString(actual, System.Globalization.CultureInfo.InvariantCulture)!,
                };
                if (actual is float or double)
                    Assert.Equal(values[i].GetDouble(), Convert.ToDouble(actual));
                else Assert.True(want == got, $"{name}[{i}]: expected {want}, read {got}");
            }
        }
        Assert.True(mat.Get<MatNumeric>("b").IsLogical);
        var c = mat.Get<MatNumeric>("c");
        Assert.Equal(expected.GetProperty("c").GetProperty("re").EnumerateArray().Select(x => x.GetDouble()),
            (double[])c.Data);
        Assert.Equal(expected.GetProperty("c").GetProperty("im").EnumerateArray().Select(x => x.GetDouble()),
            (double[])c.Imaginary!);

        Assert.Equal("hello world", mat.Get<MatChar>("s").Text);
        Assert.Equal(["abc", "xyz"], mat.Get<MatChar>("rows").Rows);
        var cell = mat.Get<MatCell>("cell");
        Assert.Equal([1, 3], cell.Dims);
        Assert.Equal("abc", ((MatChar)cell[0]).Text);
        Assert.Equal([1.0, 2.0], ((MatNumeric)cell[1]).ToDoubles());
        Assert.Equal("defgh", ((MatChar)cell[2]).Text);
        var st = mat.Get<MatStruct>("st");
        Assert.Equal([1, 2], st.Dims);
        Assert.Equal(["x", "name"], st.FieldNames);
        Assert.Equal("second", ((MatChar)st[1, "name"]).Text);
        Assert.Equal([8.0, 9.0], ((MatNumeric)st[1, "x"]).ToDoubles());
        Assert.Equal([7.0], ((MatNumeric)st[0, "x"]).ToDoubles());
    }

    [Fact]
    public void Wrong_names_and_kinds_are_errors_that_name_the_file()
    {
        PythonOracle.Run(TypesScript, _dir);
        var path = Path.Combine(_dir, "types.mat");
        var mat = MatFile.Read(path);
        var missing = Assert.Throws<KeyNotFoundException>(() => mat["nope"]).Message;
        Assert.Contains(path, missing);
        Assert.Contains("'cell'", missing);
        var kind = Assert.Throws<InvalidDataException>(() => mat.Get<MatNumeric>("s")).Message;
        Assert.Contains("char", kind);
        Assert.Contains("'s'", kind);
    }

    [Fact]
    public void A_truncated_compressed_file_is_an_error_naming_it()
    {
        PythonOracle.Run(TypesScript, _dir);
        var bytes = File.ReadAllBytes(Path.Combine(_dir, "types_z.mat"));
        var path = Path.Combine(_dir, "cut.mat");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 40)]);
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => MatFile.Read(path)).Message);
    }

    [Fact]
    public void A_v73_file_is_refused_with_the_reason()
    {
        var head = new byte[1024];
        Encoding.ASCII.GetBytes("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 "
            + "schema 1.00 .").CopyTo(head, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(124), 0x0200);
        head[126] = (byte)'I';
        head[127] = (byte)'M';
        new byte[] { 0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a }.CopyTo(head, 512);
        var path = Path.Combine(_dir, "v73.mat");
        File.WriteAllBytes(path, head);
        var message = Assert.Throws<InvalidDataException>(() => MatFile.Read(path)).Message;
        Assert.Contains(path, message);
        Assert.Contains("v7.3", message);
        Assert.Contains("HDF5", message);
    }

    // MATLAB itself stores small integer-valued doubles as uint8 and packs ≤ 4-byte elements into their tag; scipy
    // never writes either, so the file is built here and scipy.io.loadmat says what it holds.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hand_built_files_read_as_scipy_reads_them(bool bigEndian)
    {
        var path = Path.Combine(_dir, bigEndian ? "be.mat" : "le.mat");
        File.WriteAllBytes(path, MatBuilder.File(bigEndian,
            MatBuilder.Numeric(bigEndian, "y", MatClass.Double, [3, 1], 2, [1, 10, 3]),         // doubles as uint8
            MatBuilder.Numeric(bigEndian, "w", MatClass.Int16, [1, 2], 3, [-2, 300]),          // small element
            MatBuilder.Numeric(bigEndian, "z", MatClass.Single, [1, 2], 5, [70000, -1]),       // singles as int32
            MatBuilder.Char(bigEndian, "n", "ab")));                                          // small element
        var printed = PythonOracle.Run($$"""
            import json, scipy.io
            m = scipy.io.loadmat(r'{{path}}', mat_dtype=True)   # classes as MATLAB loads them
            print(json.dumps({k: {'shape': list(m[k].shape), 'dtype': m[k].dtype.name,
                                  'values': [str(x) for x in m[k].flatten(order='F')]} for k in ['y', 'w', 'z', 'n']}))
            """, _dir);
        var scipy = JsonDocument.Parse(printed).RootElement;
        var mat = MatFile.Read(path);
        foreach (var name in new[] { "y", "w", "z" })
        {
            var e = scipy.GetProperty(name);
            var array = mat.Get<MatNumeric>(name);
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), array.Dims);
            Assert.Equal(e.GetProperty("values").EnumerateArray().Select(x => double.Parse(x.GetString()!)),
                array.ToDoubles());
        }
        Assert.Equal("float64", scipy.GetProperty("y").GetProperty("dtype").GetString());
        Assert.Equal(MatClass.Double, mat.Get<MatNumeric>("y").Class);
        Assert.Equal("int16", scipy.GetProperty("w").GetProperty("dtype").GetString());
        Assert.Equal(MatClass.Int16, mat.Get<MatNumeric>("w").Class);
        Assert.Equal(scipy.GetProperty("n").GetProperty("values")[0].GetString(), mat.Get<MatChar>("n").Text);
    }

    /// Writes MATLAB 5 elements in either byte order, using the small data element format where it fits.
    static class MatBuilder
    {
        public static byte[] File(bool bigEndian, params byte[][] elements)
        {
            var head = new byte[128];
            Array.Fill(head, (byte)' ', 0, 116);
            Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by a test").CopyTo(head, 0);
            head[124] = bigEndian ? (byte)1 : (byte)0;
            head[125] = bigEndian ? (byte)0 : (byte)1;
            (head[126], head[127]) = bigEndian ? ((byte)'M', (byte)'I') : ((byte)'I', (byte)'M');
            return [.. head, .. elements.SelectMany(e => e)];
        }

        static byte[] U32(bool be, uint v)
        {
            var b = new byte[4];
            if (be) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            return b;
        }

        static byte[] Element(bool be, int type, byte[] data)
        {
            if (data.Length <= 4)                              // small data element
            {
                var word = U32(be, (uint)data.Length << 16 | (uint)type);
                return [.. word, .. data, .. new byte[4 - data.Length]];
            }
            int pad = (8 - data.Length % 8) % 8;
            return [.. U32(be, (uint)type), .. U32(be, (uint)data.Length), .. data, .. new byte[pad]];
        }

        static byte[] Matrix(bool be, MatClass cls, int[] dims, string name, byte[] contents)
        {
            byte[] body = [.. Element(be, 6, [.. U32(be, (uint)cls), .. U32(be, 0)]),
                .. Element(be, 5, dims.SelectMany(d => U32(be, (uint)d)).ToArray()),
                .. Element(be, 1, Encoding.ASCII.GetBytes(name)), .. contents];
            return [.. U32(be, 14), .. U32(be, (uint)body.Length), .. body];
        }

        // values stored as MAT type `type` (2 uint8, 3 int16, 5 int32)
        public static byte[] Numeric(bool be, string name, MatClass cls, int[] dims, int type, long[] values)
        {
            int width = type switch { 2 => 1, 3 => 2, _ => 4 };
            var data = new byte[values.Length * width];
            for (int i = 0; i < values.Length; i++)
            {
                var span = data.AsSpan(i * width, width);
                if (width == 1) span[0] = (byte)values[i];
                else if (width == 2)
                {
                    if (be) BinaryPrimitives.WriteInt16BigEndian(span, (short)values[i]);
                    else BinaryPrimitives.WriteInt16LittleEndian(span, (short)values[i]);
                }
                else if (be) BinaryPrimitives.WriteInt32BigEndian(span, (int)values[i]);
                else BinaryPrimitives.WriteInt32LittleEndian(span, (int)values[i]);
            }
            return Matrix(be, cls, dims, name, Element(be, type, data));
        }

        public static byte[] Char(bool be, string name, string text) =>
            Matrix(be, MatClass.Char, [1, text.Length], name,
                Element(be, 4, (be ? Encoding.BigEndianUnicode : Encoding.Unicode).GetBytes(text)));
    }
}
