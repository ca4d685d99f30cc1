using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace TangentKit.Data.Readers;

/// <summary>
/// A MATLAB 5 MAT-file ("MATLAB 5.0 MAT-file", also what MATLAB 7 writes without <c>-v7.3</c>) read as
/// scipy.io.loadmat reads it: its variables by name, each a numeric, char, cell or struct array with MATLAB's
/// dimensions (elements column-major). Reads SVHN's <c>*_32x32.mat</c> and the Stanford Cars devkit.
/// </summary>
/// <example>
/// <code>
/// var mat = MatFile.Read("svhn/test_32x32.mat");
/// var x = mat.Get&lt;MatNumeric&gt;("X");        // uint8 [32, 32, 3, N]
/// byte[] pixels = x.Bytes;                       // x[h, w, c, n] at h + 32·(w + 32·(c + 3·n))
/// </code>
/// </example>
public sealed class MatFile
{
    readonly Dictionary<string, MatValue> _variables;

    MatFile(string path, string header, Dictionary<string, MatValue> variables) =>
        (Path, Header, _variables) = (path, header, variables);

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>The 116-character descriptive text of the header (trailing spaces removed).</summary>
    public string Header { get; }

    /// <summary>Variable names in file order.</summary>
    public IReadOnlyList<string> Names => [.. _variables.Keys];

    /// <summary>The variable <paramref name="name"/>; the error names the file and the variables it has.</summary>
    public MatValue this[string name] => _variables.TryGetValue(name, out var v)
        ? v
        : throw new KeyNotFoundException($"{Path}: no variable '{name}'; the file has {Listing(Names)}.");

    /// <summary>The variable <paramref name="name"/> as a <typeparamref name="T"/>; errors say what it is.</summary>
    public T Get<T>(string name) where T : MatValue => this[name] as T
        ?? throw new InvalidDataException($"{Path}: variable '{name}' is a {this[name].Kind} array; expected a " +
            $"{MatValue.KindOf(typeof(T))} array.");

    /// <summary>
    /// Reads a MATLAB 5 MAT-file; v7.3 (HDF5) and v4 files, truncated or malformed elements and unsupported classes
    /// (sparse, objects, function handles) are errors naming the file and the variable.
    /// </summary>
    public static MatFile Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: MAT-file not found.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var head = new byte[128];
        if (stream.Read(head, 0, 128) < 128)
            throw new InvalidDataException(
                $"{path}: {stream.Length} bytes, shorter than a MAT-file's 128-byte header.");
        var text = Encoding.Latin1.GetString(head, 0, 116).TrimEnd(' ', '\0');
        bool little = head[126] == (byte)'I' && head[127] == (byte)'M';
        bool big = head[126] == (byte)'M' && head[127] == (byte)'I';
        if (!little && !big)
            throw new InvalidDataException($"{path}: not a MATLAB 5 MAT-file (no 'IM'/'MI' endian mark at byte 126; " +
                "MATLAB 4 files are not read).");
        int version = little ? BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(124))
            : BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(124));
        if (version == 0x0200 || text.Contains("MATLAB 7.3"))
            throw new InvalidDataException($"{path}: a MATLAB v7.3 MAT-file (HDF5 container, '{text}'); only the " +
                "MATLAB 5 format is read: save it with -v7 (or read it with h5py).");
        if (version != 0x0100)
            throw new InvalidDataException($"{path}: MAT-file version 0x{version:X4}; expected 0x0100 (MATLAB 5).");
        var variables = new Dictionary<string, MatValue>();
        var reader = new ElementReader(stream, !little, path);
        while (stream.Position < stream.Length)
        {
            long at = stream.Position;
            var (type, size) = reader.Tag($"element at byte {at}");
            long end = stream.Position + size;
            if (end > stream.Length)
                throw new InvalidDataException($"{path}: element at byte {at} claims {size} bytes; only " +
                    $"{stream.Length - stream.Position} remain (truncated file).");
            MatValue? value;
            if (type == MiCompressed)
            {
                var packed = new byte[size];
                stream.ReadExactly(packed);
                using var inflated = new ZLibStream(new MemoryStream(packed), CompressionMode.Decompress);
                var inner = new ElementReader(inflated, !little, path);
                try
                {
                    var (innerType, innerSize) = inner.Tag($"compressed element at byte {at}");
                    value = innerType == MiMatrix ? inner.Matrix(innerSize, $"compressed element at byte {at}") : null;
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    throw new InvalidDataException($"{path}: compressed element at byte {at}: {e.Message}", e);
                }
            }
            else if (type == MiMatrix) value = reader.Matrix(size, $"element at byte {at}");
            else value = null;                                 // other top-level elements carry no variable
            stream.Position = end;
            if (value is not null) variables[value.Name] = value;
        }
        return new MatFile(path, text, variables);
    }

    static string Listing(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Select(n => $"'{n}'"));

    internal const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16, MiUtf16 = 17,
        MiUtf32 = 18;

    /// Reads tags and elements from a stream of one byte order; `context` strings name the variable being read.
    sealed class ElementReader(Stream stream, bool bigEndian, string path)
    {
        readonly byte[] _word = new byte[8];
        long _read;                                            // bytes consumed, for the 8-byte padding rule

        uint UInt32(ReadOnlySpan<byte> b) =>
            bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

        void Fill(Span<byte> destination, string context)
        {
            try { stream.ReadExactly(destination); }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"{path}: {context}: the file ends inside this element (truncated).");
            }
            _read += destination.Length;
        }

        /// The (type, byte count) of the next element; small elements (≤ 4 bytes packed in the tag) are returned
        /// with their data buffered for <see cref="Data"/>.
        public (int Type, long Size) Tag(string context)
        {
            Fill(_word.AsSpan(0, 4), context);
            uint first = UInt32(_word);
            if (first >> 16 != 0)                               // small data element: type and size share a word
            {
                _small = true;
                Fill(_word.AsSpan(4, 4), context);
                return ((int)(first & 0xFFFF), first >> 16);
            }
            _small = false;
            Fill(_word.AsSpan(4, 4), context);
            return ((int)first, UInt32(_word.AsSpan(4)));
        }

        bool _small;

        /// The data of an element whose tag was just read, padded to 8 bytes as MATLAB 5 subelements are.
        byte[] Data(long size, string context)
        {
            if (_small)
            {
                _small = false;
                return _word.AsSpan(4, (int)size).ToArray();
            }
            if (size > Array.MaxLength)
                throw new InvalidDataException($"{path}: {context}: {size} bytes exceed the largest array .NET holds.");
            var data = new byte[size];
            Fill(data, context);
            Pad(size, context);
            return data;
        }

        void Pad(long size, string context)
        {
            int pad = (int)((8 - size % 8) % 8);
            if (pad > 0) Fill(_word.AsSpan(0, pad), context);
        }

        (int Type, byte[] Data) Element(string context, params int[] expected)
        {
            var (type, size) = Tag(context);
            if (expected.Length > 0 && !expected.Contains(type))
                throw new InvalidDataException($"{path}: {context}: data type {TypeName(type)}; expected " +
                    $"{string.Join(" or ", expected.Select(TypeName))}.");
            return (type, Data(size, context));
        }

        /// A miMATRIX element of <paramref name="size"/> bytes whose tag was just read.
        public MatValue Matrix(long size, string context, string? name = null)
        {
            if (size == 0) return new MatNumeric(name ?? "", [0, 0], MatClass.Double, new double[0], null, false);
            long start = _read;
            var (_, flags) = Element($"{context}: array flags", MiUInt32);
            if (flags.Length < 8)
                throw new InvalidDataException($"{path}: {context}: array flags of {flags.Length} bytes; expected 8.");
            uint word = UInt32(flags);
            var cls = (MatClass)(word & 0xFF);
            bool complex = (word & 0x800) != 0, logical = (word & 0x200) != 0;
            if (cls == MatClass.Sparse)
                throw new InvalidDataException($"{path}: {context}: a sparse array; sparse arrays are not read.");
            var (_, dimBytes) = Element($"{context}: dimensions", MiInt32);
            var dims = new int[dimBytes.Length / 4];
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = (int)UInt32(dimBytes.AsSpan(4 * i));
                if (dims[i] < 0)
                    throw new InvalidDataException($"{path}: {context}: negative dimension {dims[i]}.");
            }
            var (_, nameBytes) = Element($"{context}: name", MiInt8);
            var varName = name ?? Encoding.Latin1.GetString(nameBytes);
            var where = varName.Length > 0 ? $"variable '{varName}'" : context;
            long count = dims.Aggregate(1L, (a, b) => a * b);
            MatValue value = cls switch
            {
                MatClass.Char => Char(varName, dims, count, where),
                MatClass.Cell => Cell(varName, dims, count, where),
                MatClass.Struct => Struct(varName, dims, count, where),
                _ when cls >= MatClass.Double && cls <= MatClass.UInt64 =>
                    Numeric(varName, dims, count, cls, complex, logical, where),
                _ => throw new InvalidDataException($"{path}: {where}: MATLAB class {(int)cls} ({cls}) is not read; " +
                    "numeric, char, cell and struct arrays are."),
            };
            long used = _read - start;
            if (used > size)
                throw new InvalidDataException($"{path}: {where}: contents take {used} bytes; the element has {size}.");
            if (used < size) SkipBytes(size - used, where);
            return value;
        }

        void SkipBytes(long count, string context)
        {
            var scratch = new byte[Math.Min(count, 1 << 16)];
            while (count > 0)
            {
                int n = (int)Math.Min(count, scratch.Length);
                Fill(scratch.AsSpan(0, n), context);
                count -= n;
            }
        }

        MatNumeric Numeric(string name, int[] dims, long count, MatClass cls, bool complex, bool logical,
            string where)
        {
            var real = Values(cls, count, $"{where}: real part");
            var imaginary = complex ? Values(cls, count, $"{where}: imaginary part") : null;
            return new MatNumeric(name, dims, cls, real, imaginary, logical);
        }

        /// `count` values of class `cls` from the next element, whatever (possibly smaller) type they are stored in.
        Array Values(MatClass cls, long count, string context)
        {
            var (type, size) = Tag(context);
            int width = TypeWidth(type, context);
            if (size != count * width)
                throw new InvalidDataException($"{path}: {context}: {size} bytes of {TypeName(type)}; expected " +
                    $"{count} values ({count * width} bytes).");
            var target = MatNumeric.NewArray(cls, count);
            if (StoredClass(type) == cls && !_small)
            {
                var bytes = MemoryMarshal.AsBytes(ArraySpan(target));
                Fill(bytes, context);
                if (bigEndian && width > 1) Reverse(bytes, width);
                Pad(size, context);
                return target;
            }
            var raw = Data(size, context);
            if (bigEndian && width > 1) Reverse(raw, width);
            for (long i = 0; i < count; i++) MatNumeric.Set(target, i, cls, Stored(raw, type, i));
            return target;
        }

        static Span<byte> ArraySpan(Array array) =>
            MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), Buffer.ByteLength(array));

        static void Reverse(Span<byte> bytes, int width)
        {
            for (int i = 0; i + width <= bytes.Length; i += width) bytes.Slice(i, width).Reverse();
        }

        static (double D, long L, ulong U, int Kind) Stored(byte[] raw, int type, long i)
        {
            var s = raw.AsSpan();
            return type switch
            {
                MiInt8 => ((sbyte)s[(int)i], (sbyte)s[(int)i], 0, 1),
                MiUInt8 => (s[(int)i], s[(int)i], 0, 1),
                MiInt16 => Signed(BinaryPrimitives.ReadInt16LittleEndian(s[(int)(2 * i)..])),
                MiUInt16 => Signed(BinaryPrimitives.ReadUInt16LittleEndian(s[(int)(2 * i)..])),
                MiInt32 => Signed(BinaryPrimitives.ReadInt32LittleEndian(s[(int)(4 * i)..])),
                MiUInt32 => Signed(BinaryPrimitives.ReadUInt32LittleEndian(s[(int)(4 * i)..])),
                MiInt64 => Signed(BinaryPrimitives.ReadInt64LittleEndian(s[(int)(8 * i)..])),
                MiUInt64 => (BinaryPrimitives.ReadUInt64LittleEndian(s[(int)(8 * i)..]), 0,
                    BinaryPrimitives.ReadUInt64LittleEndian(s[(int)(8 * i)..]), 2),
                MiSingle => (BinaryPrimitives.ReadSingleLittleEndian(s[(int)(4 * i)..]), 0, 0, 0),
                _ => (BinaryPrimitives.ReadDoubleLittleEndian(s[(int)(8 * i)..]), 0, 0, 0),
            };
        }

        static (double, long, ulong, int) Signed(long v) => (v, v, 0, 1);

        int TypeWidth(int type, string context) => type switch
        {
            MiInt8 or MiUInt8 or MiUtf8 => 1,
            MiInt16 or MiUInt16 or MiUtf16 => 2,
            MiInt32 or MiUInt32 or MiSingle or MiUtf32 => 4,
            MiDouble or MiInt64 or MiUInt64 => 8,
            _ => throw new InvalidDataException($"{path}: {context}: data type {TypeName(type)} cannot hold " +
                "numeric values."),
        };

        static MatClass? StoredClass(int type) => type switch
        {
            MiInt8 => MatClass.Int8, MiUInt8 => MatClass.UInt8, MiInt16 => MatClass.Int16,
            MiUInt16 => MatClass.UInt16, MiInt32 => MatClass.Int32, MiUInt32 => MatClass.UInt32,
            MiInt64 => MatClass.Int64, MiUInt64 => MatClass.UInt64, MiSingle => MatClass.Single,
            MiDouble => MatClass.Double, _ => null,
        };

        MatChar Char(string name, int[] dims, long count, string where)
        {
            var (type, data) = Element($"{where}: characters", MiUtf8, MiUInt8, MiInt8, MiUtf16, MiUInt16,
                MiUtf32, MiInt32, MiUInt32);
            string text = type switch
            {
                MiUtf8 or MiUInt8 or MiInt8 => type == MiUtf8 ? Encoding.UTF8.GetString(data)
                    : Encoding.Latin1.GetString(data),
                MiUtf16 or MiUInt16 => (bigEndian ? Encoding.BigEndianUnicode : Encoding.Unicode).GetString(data),
                _ => new UTF32Encoding(bigEndian, false).GetString(data),
            };
            if (text.Length != count)
                throw new InvalidDataException($"{path}: {where}: {text.Length} characters for dimensions " +
                    $"[{string.Join(",", dims)}] ({count} expected).");
            return new MatChar(name, dims, text);
        }

        MatCell Cell(string name, int[] dims, long count, string where)
        {
            var cells = new MatValue[count];
            for (long i = 0; i < count; i++)
            {
                var context = $"{where}: cell {i}";
                var (type, size) = Tag(context);
                if (type != MiMatrix)
                    throw new InvalidDataException(
                        $"{path}: {context}: data type {TypeName(type)}; expected miMATRIX.");
                cells[i] = Matrix(size, context, name: "");
            }
            return new MatCell(name, dims, cells);
        }

        MatStruct Struct(string name, int[] dims, long count, string where)
        {
            var (_, lengthBytes) = Element($"{where}: field name length", MiInt32);
            int length = (int)UInt32(lengthBytes);
            var (_, names) = Element($"{where}: field names", MiInt8);
            if (length <= 0 || names.Length % length != 0)
                throw new InvalidDataException($"{path}: {where}: {names.Length} bytes of field names are not a " +
                    $"multiple of the field name length {length}.");
            var fields = Enumerable.Range(0, names.Length / length)
                .Select(f => Encoding.Latin1.GetString(names, f * length, length).TrimEnd('\0')).ToArray();
            var values = new MatValue[count, fields.Length];
            for (long i = 0; i < count; i++)
                for (int f = 0; f < fields.Length; f++)
                {
                    var context = $"{where}: element {i}, field '{fields[f]}'";
                    var (type, size) = Tag(context);
                    if (type != MiMatrix)
                        throw new InvalidDataException($"{path}: {context}: data type {TypeName(type)}; " +
                            "expected miMATRIX.");
                    values[i, f] = Matrix(size, context, name: fields[f]);
                }
            return new MatStruct(name, dims, fields, values);
        }

        static string TypeName(int type) => type switch
        {
            MiInt8 => "miINT8", MiUInt8 => "miUINT8", MiInt16 => "miINT16", MiUInt16 => "miUINT16",
            MiInt32 => "miINT32", MiUInt32 => "miUINT32", MiSingle => "miSINGLE", MiDouble => "miDOUBLE",
            MiInt64 => "miINT64", MiUInt64 => "miUINT64", MiMatrix => "miMATRIX", MiCompressed => "miCOMPRESSED",
            MiUtf8 => "miUTF8", MiUtf16 => "miUTF16", MiUtf32 => "miUTF32", _ => $"type {type}",
        };
    }
}

/// <summary>MATLAB's array classes (the low byte of a MAT-file's array flags).</summary>
public enum MatClass
{
    /// <summary>Cell array.</summary>
    Cell = 1,
    /// <summary>Struct array.</summary>
    Struct = 2,
    /// <summary>Object (not read).</summary>
    Object = 3,
    /// <summary>Character array.</summary>
    Char = 4,
    /// <summary>Sparse array (not read).</summary>
    Sparse = 5,
    /// <summary>double.</summary>
    Double = 6,
    /// <summary>single.</summary>
    Single = 7,
    /// <summary>int8.</summary>
    Int8 = 8,
    /// <summary>uint8 (also logical arrays).</summary>
    UInt8 = 9,
    /// <summary>int16.</summary>
    Int16 = 10,
    /// <summary>uint16.</summary>
    UInt16 = 11,
    /// <summary>int32.</summary>
    Int32 = 12,
    /// <summary>uint32.</summary>
    UInt32 = 13,
    /// <summary>int64.</summary>
    Int64 = 14,
    /// <summary>uint64.</summary>
    UInt64 = 15,
}

/// <summary>A variable (or cell, or struct field) of a MAT-file: its name and MATLAB dimensions.</summary>
public abstract class MatValue(string name, int[] dims)
{
    /// <summary>The variable or field name ("" for cells).</summary>
    public string Name { get; } = name;

    /// <summary>MATLAB dimensions (at least two; elements are stored column-major, the first index fastest).</summary>
    public IReadOnlyList<int> Dims { get; } = dims;

    /// <summary>Number of elements (the product of <see cref="Dims"/>).</summary>
    public long Count => Dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>"numeric", "char", "cell" or "struct".</summary>
    public string Kind => KindOf(GetType());

    internal static string KindOf(Type type) =>
        type == typeof(MatNumeric) ? "numeric" : type == typeof(MatChar) ? "char" : type == typeof(MatCell) ? "cell"
        : type == typeof(MatStruct) ? "struct" : type.Name;

    /// <summary>The dimensions as text, e.g. <c>[32,32,3,26032]</c>.</summary>
    public string Shape => $"[{string.Join(",", Dims)}]";
}

/// <summary>A numeric (or logical) array: values in their MATLAB class, column-major.</summary>
public sealed class MatNumeric : MatValue
{
    internal MatNumeric(string name, int[] dims, MatClass cls, Array real, Array? imaginary, bool logical)
        : base(name, dims) => (Class, Data, Imaginary, IsLogical) = (cls, real, imaginary, logical);

    /// <summary>The MATLAB class (uint8, double, …).</summary>
    public MatClass Class { get; }

    /// <summary>The real parts: a byte[], sbyte[], short[], …, or double[] matching <see cref="Class"/>.</summary>
    public Array Data { get; }

    /// <summary>The imaginary parts of a complex array, else null.</summary>
    public Array? Imaginary { get; }

    /// <summary>Whether MATLAB marked the array logical.</summary>
    public bool IsLogical { get; }

    /// <summary>The bytes of a uint8 array (no copy); the error names the class found.</summary>
    public byte[] Bytes => Data as byte[]
        ?? throw new InvalidDataException($"'{Name}' is a {Class} array {Shape}; expected uint8.");

    /// <summary>Element <paramref name="index"/> (column-major) as a double.</summary>
    public double this[long index] => Convert.ToDouble(Data.GetValue(index));

    /// <summary>All real parts as doubles (exact for every class but 64-bit integers beyond 2^53).</summary>
    public double[] ToDoubles()
    {
        var result = new double[Data.Length];
        for (long i = 0; i < result.Length; i++) result[i] = this[i];
        return result;
    }

    internal static Array NewArray(MatClass cls, long count) => cls switch
    {
        MatClass.Double => new double[count], MatClass.Single => new float[count], MatClass.Int8 => new sbyte[count],
        MatClass.UInt8 => new byte[count], MatClass.Int16 => new short[count], MatClass.UInt16 => new ushort[count],
        MatClass.Int32 => new int[count], MatClass.UInt32 => new uint[count], MatClass.Int64 => new long[count],
        _ => new ulong[count],
    };

    // Kind: 0 floating (D), 1 signed/small integer (L), 2 uint64 (U); integer classes take the exact integer.
    internal static void Set(Array target, long i, MatClass cls, (double D, long L, ulong U, int Kind) v)
    {
        long l = v.Kind == 1 ? v.L : v.Kind == 2 ? unchecked((long)v.U) : (long)v.D;
        switch (target)
        {
            case double[] d: d[i] = v.Kind == 2 ? v.U : v.Kind == 1 ? v.L : v.D; break;
            case float[] f: f[i] = (float)(v.Kind == 1 ? v.L : v.D); break;
            case sbyte[] a: a[i] = (sbyte)l; break;
            case byte[] a: a[i] = (byte)l; break;
            case short[] a: a[i] = (short)l; break;
            case ushort[] a: a[i] = (ushort)l; break;
            case int[] a: a[i] = (int)l; break;
            case uint[] a: a[i] = (uint)l; break;
            case long[] a: a[i] = l; break;
            case ulong[] a: a[i] = v.Kind == 2 ? v.U : (ulong)l; break;
        }
    }
}

/// <summary>A char array; MATLAB's column-major characters, with each row as a string.</summary>
public sealed class MatChar : MatValue
{
    readonly string _columnMajor;

    internal MatChar(string name, int[] dims, string columnMajor) : base(name, dims) => _columnMajor = columnMajor;

    /// <summary>Each row of a two-dimensional char array (a 1×N array is one string; padding kept).</summary>
    public IReadOnlyList<string> Rows
    {
        get
        {
            if (Dims.Count != 2)
                throw new InvalidDataException($"'{Name}' is a char array {Shape}; rows need two dimensions.");
            int rows = Dims[0], cols = Dims[1];
            return [.. Enumerable.Range(0, rows).Select(r =>
                new string(Enumerable.Range(0, cols).Select(c => _columnMajor[r + rows * c]).ToArray()))];
        }
    }

    /// <summary>The text of a one-row (or empty) char array; the error names the shape.</summary>
    public string Text => Count == 0 ? "" : Rows.Count == 1 ? Rows[0]
        : throw new InvalidDataException($"'{Name}' is a char array {Shape}; expected a single row.");
}

/// <summary>A cell array: its elements column-major.</summary>
public sealed class MatCell : MatValue
{
    internal MatCell(string name, int[] dims, MatValue[] elements) : base(name, dims) => Elements = elements;

    /// <summary>The cells in column-major order.</summary>
    public IReadOnlyList<MatValue> Elements { get; }

    /// <summary>Cell <paramref name="index"/> (column-major).</summary>
    public MatValue this[int index] => Elements[index];
}

/// <summary>A struct array: field names, and for each element (column-major) one value per field.</summary>
public sealed class MatStruct : MatValue
{
    readonly MatValue[,] _values;

    internal MatStruct(string name, int[] dims, string[] fields, MatValue[,] values) : base(name, dims) =>
        (FieldNames, _values) = (fields, values);

    /// <summary>The field names in file order.</summary>
    public IReadOnlyList<string> FieldNames { get; }

    /// <summary>Field <paramref name="field"/> of element <paramref name="index"/>; errors list the fields.</summary>
    public MatValue this[long index, string field]
    {
        get
        {
            int f = FieldNames.ToList().IndexOf(field);
            if (f < 0)
                throw new KeyNotFoundException($"struct '{Name}' has no field '{field}'; its fields are " +
                    $"{string.Join(", ", FieldNames)}.");
            if (index < 0 || index >= Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"struct '{Name}' has {Count} elements.");
            return _values[index, f];
        }
    }

    /// <summary>Field <paramref name="field"/> of every element, column-major.</summary>
    public IReadOnlyList<MatValue> Column(string field) =>
        [.. Enumerable.Range(0, (int)Count).Select(i => this[i, field])];
}
