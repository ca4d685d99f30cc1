using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NetMQ;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// One message of the Jupyter messaging protocol (5.3): the routing identities of the client that sent it, and the
/// four signed JSON parts.
/// </summary>
sealed record JupyterMessage(IReadOnlyList<byte[]> Identities, JsonObject Header, JsonObject ParentHeader,
    JsonObject Metadata, JsonObject Content)
{
    /// <summary>The protocol version this kernel speaks.</summary>
    public const string ProtocolVersion = "5.3";

    /// <summary>The header's <c>msg_type</c>, e.g. <c>execute_request</c>.</summary>
    public string Type => Header["msg_type"]?.GetValue<string>() ?? "";

    /// <summary>A message of <paramref name="type"/> answering <paramref name="parent"/>, to the same client.</summary>
    public static JupyterMessage ReplyTo(JupyterMessage parent, string type, JsonObject content, string session) =>
        new(parent.Identities, NewHeader(type, session), (JsonObject)parent.Header.DeepClone(), [], content);

    /// <summary>
    /// An iopub broadcast of <paramref name="type"/> caused by <paramref name="parent"/> (or by nothing, at start-up);
    /// its one identity frame is the topic.
    /// </summary>
    public static JupyterMessage Broadcast(JupyterMessage? parent, string type, JsonObject content, string session) =>
        new([Encoding.UTF8.GetBytes(type)], NewHeader(type, session),
            parent is null ? [] : (JsonObject)parent.Header.DeepClone(), [], content);

    static JsonObject NewHeader(string type, string session) => new()
    {
        ["msg_id"] = Guid.NewGuid().ToString("N"),
        ["session"] = session,
        ["username"] = "tangentkit",
        ["date"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ"),
        ["msg_type"] = type,
        ["version"] = ProtocolVersion,
    };
}

/// <summary>
/// Signs and checks messages with the connection key: HMAC-SHA256 over header, parent header, metadata and content,
/// as lower-case hex. An empty key means messages are neither signed nor checked (the protocol's rule).
/// </summary>
sealed class MessageSigner(string key)
{
    readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    /// <summary>The hex signature of the four serialized parts.</summary>
    public string Sign(IReadOnlyList<byte[]> parts)
    {
        if (_key.Length == 0) return "";
        using var hmac = new HMACSHA256(_key);
        foreach (var part in parts) hmac.TransformBlock(part, 0, part.Length, null, 0);
        hmac.TransformFinalBlock([], 0, 0);
        return Convert.ToHexStringLower(hmac.Hash!);
    }

    /// <summary>True when <paramref name="signature"/> is that of the parts (compared in constant time).</summary>
    public bool Verify(string signature, IReadOnlyList<byte[]> parts) =>
        _key.Length == 0 || CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(Sign(parts)));
}

/// <summary>
/// The wire format: identities, the <c>&lt;IDS|MSG&gt;</c> delimiter, the signature, the four JSON parts, then any
/// binary buffers (which this kernel neither needs nor sends).
/// </summary>
static class Wire
{
    static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();

    /// <summary>Serializes and signs <paramref name="message"/>.</summary>
    public static NetMQMessage Encode(JupyterMessage message, MessageSigner signer)
    {
        byte[][] parts = [Json(message.Header), Json(message.ParentHeader), Json(message.Metadata),
            Json(message.Content)];
        var frames = new NetMQMessage();
        foreach (var identity in message.Identities) frames.Append(identity);
        frames.Append(Delimiter);
        frames.Append(Encoding.ASCII.GetBytes(signer.Sign(parts)));
        foreach (var part in parts) frames.Append(part);
        return frames;
    }

    /// <summary>
    /// Parses and verifies the frames of one message; null with the reason in <paramref name="problem"/> when it is
    /// malformed or its signature is wrong (such a message is dropped, never executed).
    /// </summary>
    public static JupyterMessage? Decode(NetMQMessage frames, MessageSigner signer, out string? problem)
    {
        var all = frames.Select(f => f.ToByteArray()).ToList();
        int delimiter = all.FindIndex(f => f.AsSpan().SequenceEqual(Delimiter));
        if (delimiter < 0 || all.Count < delimiter + 6)
        {
            problem = $"malformed message: {all.Count} frames, delimiter at {delimiter}";
            return null;
        }
        var parts = all.GetRange(delimiter + 2, 4);
        if (!signer.Verify(Encoding.ASCII.GetString(all[delimiter + 1]), parts))
        {
            problem = "signature does not match the connection key";
            return null;
        }
        try
        {
            var objects = parts.Select(p => JsonNode.Parse(p) as JsonObject ?? []).ToArray();
            problem = null;
            return new JupyterMessage(all.Take(delimiter).ToList(), objects[0], objects[1], objects[2], objects[3]);
        }
        catch (JsonException e)
        {
            problem = $"a message part is not JSON: {e.Message}";
            return null;
        }
    }

    static byte[] Json(JsonObject node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
