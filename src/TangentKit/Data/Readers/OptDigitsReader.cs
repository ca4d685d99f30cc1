using System.Globalization;
using System.IO.Compression;

namespace TangentKit.Data.Readers;

/// <summary>Reads scikit-learn's <c>digits.csv.gz</c>: rows of 64 pixel counts (0–16, 8×8) and a label.</summary>
public static class OptDigitsReader
{
    /// <summary>
    /// Pixels scaled to bytes (count·255/16), 64 per image, and labels; errors name the file and line.
    /// </summary>
    public static (byte[] Pixels, long[] Labels) Read(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var text = new StreamReader(gz);
        var pixels = new List<byte>();
        var labels = new List<long>();
        int lineNo = 0;
        while (text.ReadLine() is { } line)
        {
            lineNo++;
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != 65)
                throw new InvalidDataException(
                    $"{path}:{lineNo}: {cells.Length} columns, expected 65 (64 pixels and a label).");
            for (int i = 0; i < 64; i++)
            {
                var v = double.Parse(cells[i], CultureInfo.InvariantCulture);
                if (v < 0 || v > 16)
                    throw new InvalidDataException($"{path}:{lineNo}: pixel {i} is {v}, expected 0–16.");
                pixels.Add((byte)Math.Round(v * 255 / 16));
            }
            labels.Add((long)double.Parse(cells[64], CultureInfo.InvariantCulture));
        }
        return (pixels.ToArray(), labels.ToArray());
    }
}
