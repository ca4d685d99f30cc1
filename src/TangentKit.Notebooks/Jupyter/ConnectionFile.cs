using System.Net;
using System.Text.Json;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// The connection file a Jupyter client writes before starting the kernel (<c>-f {connection_file}</c>): where the
/// five sockets listen and the key that signs every message.
/// </summary>
sealed record ConnectionFile(string Ip, int ShellPort, int IoPubPort, int StdinPort, int ControlPort,
    int HeartbeatPort, string Key, string SignatureScheme)
{
    /// <summary>
    /// Reads and checks <paramref name="path"/>: TCP transport, a loopback address, five ports, HMAC-SHA256 signing.
    /// </summary>
    public static ConnectionFile Read(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"connection file {path} does not exist");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(path)).RootElement; }
        catch (JsonException e) { throw new ArgumentException($"connection file {path} is not JSON: {e.Message}"); }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"connection file {path} must hold a JSON object; got {root.ValueKind}");

        string Text(string key, string? fallback = null)
        {
            if (!root.TryGetProperty(key, out var value))
                return fallback ?? throw new ArgumentException($"connection file {path}: key \"{key}\" is missing");
            return value.ValueKind == JsonValueKind.String ? value.GetString()!
                : throw new ArgumentException($"connection file {path}: key \"{key}\" must be a string; " +
                    $"got {value.ValueKind}");
        }
        int Port(string key)
        {
            if (!root.TryGetProperty(key, out var value))
                throw new ArgumentException($"connection file {path}: key \"{key}\" is missing");
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var port) || port is < 1 or > 65535)
                throw new ArgumentException($"connection file {path}: key \"{key}\" must be a port in 1..65535; " +
                    $"got {value.GetRawText()}");
            return port;
        }

        var transport = Text("transport", "tcp");
        if (transport != "tcp")
            throw new ArgumentException(
                $"connection file {path}: key \"transport\" must be \"tcp\"; got \"{transport}\"");
        var ip = Text("ip", "127.0.0.1");
        // The kernel runs any code it is sent: it listens on this machine only.
        if (!(ip == "localhost" || (IPAddress.TryParse(ip, out var address) && IPAddress.IsLoopback(address))))
            throw new ArgumentException($"connection file {path}: key \"ip\" must be a loopback address " +
                $"(127.0.0.1 or ::1), since the kernel executes whatever it receives; got \"{ip}\"");
        var key = Text("key", "");
        var scheme = Text("signature_scheme", "hmac-sha256");
        if (scheme != "hmac-sha256")
            throw new ArgumentException($"connection file {path}: key \"signature_scheme\" must be \"hmac-sha256\"; " +
                $"got \"{scheme}\"");
        return new ConnectionFile(ip == "localhost" ? "127.0.0.1" : ip, Port("shell_port"), Port("iopub_port"),
            Port("stdin_port"), Port("control_port"), Port("hb_port"), key, scheme);
    }

    /// <summary>True for an IPv6 address (NetMQ must then be told not to use IPv4 only).</summary>
    public bool IsIPv6 => Ip.Contains(':');

    /// <summary>The ZeroMQ endpoint of <paramref name="port"/>, e.g. <c>tcp://127.0.0.1:5555</c>.</summary>
    public string Endpoint(int port) => IsIPv6 ? $"tcp://[{Ip}]:{port}" : $"tcp://{Ip}:{port}";
}
