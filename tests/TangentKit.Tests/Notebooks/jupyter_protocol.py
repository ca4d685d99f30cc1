"""Drives the kit's Jupyter kernel from jupyter_client, the reference client of the Jupyter messaging protocol.

usage: /usr/bin/python3 jupyter_protocol.py CHECK   (JUPYTER_PATH must hold the tangentkit-csharp kernelspec)
Each check starts its own kernel, prints what it saw, and exits non-zero with the reason when the kernel misbehaves.
"""
import glob
import os
import sys
import tempfile
import time

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

KERNEL = "tangentkit-csharp"
NOTEBOOKS = os.environ.get("TANGENTKIT_NOTEBOOKS", os.getcwd())


def start():
    return start_new_kernel(kernel_name=KERNEL, startup_timeout=180, cwd=NOTEBOOKS)


def execute(kc, code, timeout=300):
    """Runs code; returns the shell reply's content and the iopub messages (type, content) it caused."""
    seen = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda m: seen.append(
        (m["msg_type"], m["content"])))
    return reply["content"], seen


def reply_to(kc, msg_id, timeout=60):
    """The shell reply to msg_id (start-up leaves extra kernel_info replies: the client re-asks until answered)."""
    deadline = time.time() + timeout
    while True:
        message = kc.get_shell_msg(timeout=max(deadline - time.time(), 0.01))
        if message["parent_header"].get("msg_id") == msg_id:
            return message


def wait_for_output(kc, msg_id, text, timeout):
    """Reads msg_id's iopub messages until a stream contains text (the cell is past compilation and running)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            message = kc.get_iopub_msg(timeout=max(deadline - time.time(), 0.01))
        except Exception:
            break
        if (message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream"
                and text in message["content"]["text"]):
            return
    raise AssertionError(f"no output '{text}' from the cell within {timeout} s")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def outputs_text(seen):
    parts = []
    for kind, content in seen:
        if kind == "stream":
            parts.append(content["text"])
        elif kind in ("execute_result", "display_data", "update_display_data"):
            parts.extend(str(v) for v in content["data"].values())
        elif kind == "error":
            parts.append(content["evalue"])
    return "".join(parts)


def check_execute():
    km, kc = start()
    try:
        info = reply_to(kc, kc.kernel_info())["content"]
        check(info["protocol_version"] == "5.3" and info["language_info"]["name"] == "C#", f"kernel_info: {info}")
        reply, seen = execute(kc, "var answer = 6 * 7;\nanswer")
        check(reply["status"] == "ok" and reply["execution_count"] == 1, f"first reply: {reply}")
        results = [c for k, c in seen if k == "execute_result"]
        check(len(results) == 1 and "42" in str(results[0]["data"]) and results[0]["execution_count"] == 1,
              f"execute_result of 6 * 7: {results}")
        kinds = [k for k, _ in seen]
        check(kinds[0] == "status" and kinds[1] == "execute_input" and kinds[-1] == "status",
              f"iopub order: {kinds}")
        reply, seen = execute(kc, 'Console.WriteLine("to stdout"); Console.Error.WriteLine("to stderr");')
        streams = {c["name"]: c["text"] for k, c in seen if k == "stream"}
        check(streams.get("stdout") == "to stdout\n" and streams.get("stderr") == "to stderr\n", f"streams: {seen}")
        code = ('using Microsoft.DotNet.Interactive;\n'
                'var line = KernelInvocationContext.Current.Display("step 0 of 2");\n'
                'line.Update("step 1 of 2"); line.Update("step 2 of 2");')
        reply, seen = execute(kc, code)
        shown = [c for k, c in seen if k == "display_data"]
        updates = [c for k, c in seen if k == "update_display_data"]
        check(len(shown) == 1 and len(updates) == 2, f"one display then two updates: {seen}")
        ids = {c["transient"]["display_id"] for c in shown + updates}
        check(len(ids) == 1, f"updates must name the display they replace: {ids}")
        check("step 2 of 2" in str(updates[-1]["data"]), f"last update: {updates[-1]}")
        reply, seen = execute(kc, "answer + 1")
        check(reply["execution_count"] == 4 and "43" in outputs_text(seen), f"state kept across cells: {seen}")
        print("execute: ok")
    finally:
        km.shutdown_kernel(now=True)


def check_errors():
    km, kc = start()
    try:
        reply, seen = execute(kc, "undefinedName + 1")
        check(reply["status"] == "error" and "CS0103" in reply["evalue"], f"compile error reply: {reply}")
        errors = [c for k, c in seen if k == "error"]
        check(len(errors) == 1 and any("CS0103" in line for line in errors[0]["traceback"]),
              f"the C# diagnostics reach the error output: {errors}")
        reply, seen = execute(kc, 'throw new InvalidOperationException("cell breaks");')
        check(reply["status"] == "error" and reply["ename"] == "InvalidOperationException"
              and reply["evalue"] == "cell breaks", f"exception reply: {reply}")
        reply, seen = execute(kc, '"still alive"')
        check(reply["status"] == "ok" and "still alive" in outputs_text(seen), f"kernel after errors: {reply}")
        # queued behind a failing cell with stop_on_error, a cell is aborted, not run
        marker = os.path.join(tempfile.mkdtemp(prefix="tangentkit-abort-"), "ran")
        failing = kc.execute('throw new Exception("first");', stop_on_error=True)
        queued = kc.execute(f'System.IO.File.WriteAllText(@"{marker}", "x");')
        replies = {m: reply_to(kc, m)["content"] for m in (failing, queued)}
        check(replies[failing]["status"] == "error" and replies[queued]["status"] == "aborted",
              f"stop_on_error: {replies}")
        check(not os.path.exists(marker), "the aborted cell ran")
        print("errors: ok")
    finally:
        km.shutdown_kernel(now=True)


def check_interrupt():
    km, kc = start()
    try:
        # a cell that checks the interrupt between steps, as the kit's fine-tuning does
        code = ("public static class Counter { public static int Steps; }\n"
                "for (int i = 0; i < 100000; i++) {\n"
                "    Microsoft.DotNet.Interactive.KernelInvocationContext.Current.CancellationToken"
                ".ThrowIfCancellationRequested();\n"
                "    Counter.Steps++; if (i == 0) System.Console.WriteLine(\"started\");\n"
                "    System.Threading.Thread.Sleep(20); }")
        msg_id = kc.execute(code)
        wait_for_output(kc, msg_id, "started", timeout=180)   # compiled and running (a busy machine compiles slowly)
        time.sleep(0.5)
        started = time.time()
        km.interrupt_kernel()
        reply = reply_to(kc, msg_id, timeout=30)
        check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted",
              f"interrupted reply: {reply['content']}")
        print(f"interrupt answered in {time.time() - started:.2f} s")
        _, seen = execute(kc, "Counter.Steps")
        first = int(outputs_text(seen).split("<pre>")[-1].split("</pre>")[0])
        time.sleep(1)
        _, seen = execute(kc, "Counter.Steps")
        second = int(outputs_text(seen).split("<pre>")[-1].split("</pre>")[0])
        check(0 < first == second, f"the loop must have stopped: {first} then {second} steps")
        print("interrupt: ok")
    finally:
        km.shutdown_kernel(now=True)


def check_interrupt_training():
    run_dir = tempfile.mkdtemp(prefix="tangentkit-interrupt-")
    km, kc = start()
    try:
        reply, seen = execute(kc, "#!import _setup.dib", timeout=600)
        check(reply["status"] == "ok", f"setup: {reply} {outputs_text(seen)[-2000:]}")
        code = ("var longRun = Suite.Open(preset with { FineTune = preset.FineTune with { Steps = 1000000, "
                f"CheckpointEvery = 2 }} }}, @\"{run_dir}\", new NotebookProgress());\n"
                "longRun.Vector(longRun.Tasks[0], FineTuneMode.Standard)")
        seen = []
        msg_id = kc.execute(code)
        deadline = time.time() + 300
        while not glob.glob(os.path.join(run_dir, "runs", "**", "checkpoint.safetensors"), recursive=True):
            check(time.time() < deadline, "no checkpoint written within 300 s")
            time.sleep(0.5)
        time.sleep(2)
        started = time.time()
        km.interrupt_kernel()
        while True:
            message = kc.get_iopub_msg(timeout=60)
            seen.append((message["msg_type"], message["content"]))
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        reply = reply_to(kc, msg_id, timeout=30)
        answered = time.time() - started
        check(reply["content"]["ename"] == "Interrupted", f"interrupted training: {reply['content']}")
        check(any(k == "update_display_data" for k, _ in seen), "fine-tuning progress updates its display")
        time.sleep(2)               # let the step that was running finish

        def files():
            return {p: (os.path.getmtime(p), os.path.getsize(p))
                    for p in glob.glob(os.path.join(run_dir, "runs", "**", "*"), recursive=True)}
        before = files()
        time.sleep(2)
        check(files() == before, "the training loop kept writing after the interrupt")
        check(not any(p.endswith(".tmp") for p in before), f"a half-written file was left: {list(before)}")
        reply, seen = execute(kc, "1 + 1")
        check(reply["status"] == "ok" and "2" in outputs_text(seen), f"kernel after the interrupt: {reply}")
        print(f"interrupt_training: ok (answered in {answered:.2f} s)")
    finally:
        km.shutdown_kernel(now=True)


def check_signatures():
    km, kc = start()
    marker = os.path.join(tempfile.mkdtemp(prefix="tangentkit-signature-"), "ran")
    try:
        socket = kc.shell_channel.socket
        code = f'System.IO.File.WriteAllText(@"{marker}", "x");'
        forged_ids = []
        forged = Session(key=b"wrong-key", username="intruder")
        for message in (forged.msg("execute_request", {"code": code, "silent": False}),
                        forged.msg("kernel_info_request", {})):
            forged.send(socket, message)                                  # signed with another key
            forged_ids.append(message["header"]["msg_id"])
            parts = [forged.pack(message[k]) for k in ("header", "parent_header", "metadata", "content")]
            socket.send_multipart([b"<IDS|MSG>", b""] + parts)             # not signed at all
        info = reply_to(kc, kc.kernel_info(), timeout=30)["content"]
        check(info["implementation"] == "tangentkit", "a correctly signed request is answered")
        time.sleep(3)
        while True:                 # every reply that came: none may answer a forged request
            try:
                message = kc.get_shell_msg(timeout=0.5)
            except Exception:
                break
            check(message["parent_header"].get("msg_id") not in forged_ids,
                  f"a wrongly signed or unsigned message got a reply: {message['msg_type']}")
        check(not os.path.exists(marker), "a wrongly signed or unsigned execute_request ran")
        print("signatures: ok")
    finally:
        km.shutdown_kernel(now=True)


def check_language():
    km, kc = start()
    try:
        complete = reply_to(kc, kc.is_complete("for (int i = 0; i < 3; i++) {"))["content"]
        check(complete["status"] == "incomplete", f"open brace: {complete}")
        complete = reply_to(kc, kc.is_complete("var y = 1;"))["content"]
        check(complete["status"] == "complete", f"statement: {complete}")
        reply = reply_to(kc, kc.complete("Console.WriteL", 14))["content"]
        check("WriteLine" in reply["matches"] and reply["cursor_start"] == 8 and reply["cursor_end"] == 14
              and all(m.lower().startswith("writel") for m in reply["matches"]), f"completion: {reply}")
        reply = reply_to(kc, kc.inspect("Console.WriteLine", 10))["content"]
        check(reply["found"] and "WriteLine" in str(reply["data"]), f"inspect: {reply}")
        print("language: ok")
    finally:
        km.shutdown_kernel(now=True)


def check_restart_shutdown():
    km, kc = start()
    execute(kc, "var kept = 1;")
    first = km.provisioner.process
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=180)
    check(first.poll() == 0, f"the old kernel exits by itself on shutdown_request(restart): {first.poll()}")
    reply, _ = execute(kc, "kept")
    check(reply["status"] == "error" and "CS0103" in reply["evalue"], f"a restarted kernel starts empty: {reply}")
    process = km.provisioner.process
    km.shutdown_kernel(now=False)
    check(process.poll() == 0, f"shutdown_request ends the process cleanly: exit {process.poll()}")
    print("restart_shutdown: ok")


CHECKS = {name[len("check_"):]: f for name, f in globals().items() if name.startswith("check_") and name != "check"}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: jupyter_protocol.py {{{'|'.join(CHECKS)}}}")
    CHECKS[sys.argv[1]]()
