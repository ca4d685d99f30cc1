using System.Reflection;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.DotNet.Interactive;
using NetMQ;
using NetMQ.Sockets;

namespace TangentKit.Notebooks.Jupyter;

/// <summary>
/// The kit's Jupyter kernel: the Jupyter messaging protocol (5.3) over ZeroMQ, in front of the same .NET Interactive
/// C# kernel and pinned packages as the headless runner. One poller thread owns every socket (heartbeat, control,
/// shell, stdin, iopub); shell requests run one after another on a worker, so control (interrupt, shutdown) and the
/// heartbeat answer while a cell runs.
/// </summary>
sealed class JupyterKernel : IDisposable
{
    readonly ConnectionFile _connection;
    readonly MessageSigner _signer;
    readonly TextWriter _log;
    readonly string _session = Guid.NewGuid().ToString("N");
    readonly RouterSocket _shell = new(), _control = new(), _stdin = new();
    readonly PublisherSocket _iopub = new();
    readonly ResponseSocket _heartbeat = new();
    readonly NetMQQueue<(NetMQSocket Socket, JupyterMessage Message)> _outbox = new();
    readonly NetMQPoller _poller;
    readonly Channel<JupyterMessage> _requests = Channel.CreateUnbounded<JupyterMessage>();
    readonly CompositeKernel _kernel = KernelFactory.Create();
    readonly object _interruptGate = new();
    CancellationTokenSource? _running;
    int _executionCount;

    JupyterKernel(ConnectionFile connection, TextWriter log)
    {
        (_connection, _signer, _log) = (connection, new MessageSigner(connection.Key), log);
        _poller = [_heartbeat, _control, _shell, _stdin, _outbox];
        foreach (var (socket, port) in new (NetMQSocket, int)[] { (_shell, connection.ShellPort),
            (_control, connection.ControlPort), (_stdin, connection.StdinPort), (_iopub, connection.IoPubPort),
            (_heartbeat, connection.HeartbeatPort) })
        {
            socket.Options.Linger = TimeSpan.FromSeconds(1);
            if (connection.IsIPv6) socket.Options.IPv4Only = false;
            socket.Bind(connection.Endpoint(port));
        }
        _heartbeat.ReceiveReady += (_, e) => e.Socket.SendMultipartMessage(e.Socket.ReceiveMultipartMessage());
        _control.ReceiveReady += (_, e) => Receive(e.Socket, OnControl);
        _shell.ReceiveReady += (_, e) => Receive(e.Socket, m => _requests.Writer.TryWrite(m));
        _stdin.ReceiveReady += (_, e) => e.Socket.ReceiveMultipartMessage();      // input requests are not sent
        _outbox.ReceiveReady += (_, e) =>
        {
            while (e.Queue.TryDequeue(out var item, TimeSpan.Zero))
                item.Socket.SendMultipartMessage(Wire.Encode(item.Message, _signer));
        };
    }

    /// <summary>
    /// Serves the kernel described by the connection file at <paramref name="connectionFile"/> until a shutdown
    /// request; returns the process exit code.
    /// </summary>
    public static async Task<int> RunAsync(string connectionFile, TextWriter log)
    {
        ConnectionFile connection;
        try { connection = ConnectionFile.Read(connectionFile); }
        catch (ArgumentException e)
        {
            log.WriteLine($"tangent-notebook kernel: {e.Message}");
            return 64;
        }
        using var kernel = new JupyterKernel(connection, log);
        log.WriteLine($"TangentKit kernel listening on {connection.Ip} (shell {connection.ShellPort}, control " +
            $"{connection.ControlPort}, iopub {connection.IoPubPort}, heartbeat {connection.HeartbeatPort})");
        kernel._poller.RunAsync("jupyter sockets");
        kernel.Publish(null, "status", new() { ["execution_state"] = "starting" });
        await kernel.ServeShellAsync();
        await Task.Delay(TimeSpan.FromMilliseconds(300));           // lets the poller send the shutdown reply
        return 0;
    }

    void Receive(NetMQSocket socket, Action<JupyterMessage> handle)
    {
        var frames = socket.ReceiveMultipartMessage();
        var message = Wire.Decode(frames, _signer, out var problem);
        if (message is null) _log.WriteLine($"tangent-notebook kernel: dropped a message: {problem}");
        else handle(message);
    }

    // Runs on the poller thread: must never block.
    void OnControl(JupyterMessage request)
    {
        switch (request.Type)
        {
            case "interrupt_request":
                lock (_interruptGate) _running?.Cancel();
                Reply(_control, request, "interrupt_reply", new() { ["status"] = "ok" });
                break;
            case "shutdown_request":
                Shutdown(_control, request);
                break;
            case "kernel_info_request":
                Reply(_control, request, "kernel_info_reply", KernelInfo());
                break;
            default:
                _log.WriteLine($"tangent-notebook kernel: control request {request.Type} is not supported");
                break;
        }
    }

    async Task ServeShellAsync()
    {
        await foreach (var request in _requests.Reader.ReadAllAsync())
        {
            Publish(request, "status", new() { ["execution_state"] = "busy" });
            try { await HandleShellAsync(request); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.WriteLine($"tangent-notebook kernel: {request.Type} failed: {e}");
            }
            Publish(request, "status", new() { ["execution_state"] = "idle" });
        }
    }

    async Task HandleShellAsync(JupyterMessage request)
    {
        var content = request.Content;
        string Code() => content["code"]?.GetValue<string>() ?? "";
        int Cursor() => content["cursor_pos"]?.GetValue<int>() ?? Code().Length;
        switch (request.Type)
        {
            case "kernel_info_request":
                Reply(_shell, request, "kernel_info_reply", KernelInfo());
                break;
            case "execute_request":
                await ExecuteAsync(request);
                break;
            case "is_complete_request":
                Reply(_shell, request, "is_complete_reply", LanguageServices.IsComplete(Code()));
                break;
            case "complete_request":
                Reply(_shell, request, "complete_reply", await LanguageServices.CompleteAsync(_kernel, Code(),
                    Cursor()));
                break;
            case "inspect_request":
                Reply(_shell, request, "inspect_reply", await LanguageServices.InspectAsync(_kernel, Code(),
                    Cursor()));
                break;
            case "comm_info_request":
                Reply(_shell, request, "comm_info_reply", new() { ["status"] = "ok", ["comms"] = new JsonObject() });
                break;
            case "history_request":
                Reply(_shell, request, "history_reply", new() { ["status"] = "ok", ["history"] = new JsonArray() });
                break;
            case "shutdown_request":
                Shutdown(_shell, request);
                break;
            default:
                _log.WriteLine($"tangent-notebook kernel: shell request {request.Type} is not supported");
                break;
        }
    }

    async Task ExecuteAsync(JupyterMessage request)
    {
        var code = request.Content["code"]?.GetValue<string>() ?? "";
        bool silent = request.Content["silent"]?.GetValue<bool>() ?? false;
        bool storeHistory = !silent && (request.Content["store_history"]?.GetValue<bool>() ?? true);
        if (storeHistory) _executionCount++;
        int count = _executionCount;
        if (!silent)
            Publish(request, "execute_input", new() { ["code"] = code, ["execution_count"] = count });

        using var interrupt = new CancellationTokenSource();
        lock (_interruptGate) _running = interrupt;
        CellError? error;
        try
        {
            error = await CellExecution.RunAsync(_kernel, code, count,
                (type, content) => { if (!silent || type == "error") Publish(request, type, content); },
                interrupt.Token);
        }
        finally { lock (_interruptGate) _running = null; }

        var reply = error?.ToContent() ?? [];
        reply["status"] = error is null ? "ok" : "error";
        reply["execution_count"] = count;
        if (error is null)
        {
            reply["user_expressions"] = new JsonObject();
            reply["payload"] = new JsonArray();
        }
        Reply(_shell, request, "execute_reply", reply);
        if (error is not null && (request.Content["stop_on_error"]?.GetValue<bool>() ?? true)) AbortQueued();
    }

    // After a failed cell, the cells already sent behind it are answered "aborted" rather than run (as ipykernel).
    void AbortQueued()
    {
        var keep = new List<JupyterMessage>();
        while (_requests.Reader.TryRead(out var queued))
        {
            if (queued.Type != "execute_request") { keep.Add(queued); continue; }
            Publish(queued, "status", new() { ["execution_state"] = "busy" });
            Reply(_shell, queued, "execute_reply", new() { ["status"] = "aborted", ["execution_count"] = null });
            Publish(queued, "status", new() { ["execution_state"] = "idle" });
        }
        foreach (var message in keep) _requests.Writer.TryWrite(message);
    }

    void Shutdown(NetMQSocket socket, JupyterMessage request)
    {
        bool restart = request.Content["restart"]?.GetValue<bool>() ?? false;
        lock (_interruptGate) _running?.Cancel();
        Reply(socket, request, "shutdown_reply", new() { ["status"] = "ok", ["restart"] = restart });
        // The client restarts a kernel by starting a new process: this one only has to end. A cell that ignores the
        // interrupt still holds the worker, so the process ends by itself shortly after.
        _requests.Writer.TryComplete();
        Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => Environment.Exit(0));
    }

    JsonObject KernelInfo() => new()
    {
        ["status"] = "ok",
        ["protocol_version"] = JupyterMessage.ProtocolVersion,
        ["implementation"] = "tangentkit",
        ["implementation_version"] = typeof(JupyterKernel).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
        ["language_info"] = new JsonObject
        {
            ["name"] = "C#",
            ["version"] = "14.0",
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".cs",
            ["pygments_lexer"] = "csharp",
            ["codemirror_mode"] = "text/x-csharp",
        },
        ["banner"] = "TangentKit (C#): .NET Interactive's C# kernel with the kit's pinned packages",
        ["help_links"] = new JsonArray(),
    };

    void Reply(NetMQSocket socket, JupyterMessage request, string type, JsonObject content) =>
        _outbox.Enqueue((socket, JupyterMessage.ReplyTo(request, type, content, _session)));

    void Publish(JupyterMessage? parent, string type, JsonObject content) =>
        _outbox.Enqueue((_iopub, JupyterMessage.Broadcast(parent, type, content, _session)));

    /// <summary>Stops the poller and closes every socket.</summary>
    public void Dispose()
    {
        if (_poller.IsRunning) _poller.Stop();
        _poller.Dispose();
        foreach (var socket in new NetMQSocket[] { _shell, _control, _stdin, _iopub, _heartbeat }) socket.Dispose();
        _outbox.Dispose();
        _kernel.Dispose();
        NetMQConfig.Cleanup(block: false);
    }
}
