"""A Jupyter server on 127.0.0.1, started as ``make lab`` starts it, runs a notebook
through its own kernel and saves the shipped notebooks without outputs."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import nbformat
import pytest

from analysis.core.config import NOTEBOOKS_DIR, PROJ_ROOT

pytestmark = pytest.mark.slow

#: The pre-save hook exactly as the Makefile's lab target passes it.
HOOK_FLAG = re.search(r"--ContentsManager\.pre_save_hook=\S+",
                      (PROJ_ROOT / "Makefile").read_text(encoding="utf-8")).group(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    return json.loads(text) if text else {}


@pytest.fixture()
def server(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
         "--ServerApp.port_retries=0", HOOK_FLAG, *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=PROJ_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            _get(f"{base}/api/status", token)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("the Jupyter server did not start within 60 s")
            time.sleep(0.5)
    yield base, token, port
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


async def _execute(port: int, token: str, kernel_id: str, sources: list[str]) -> list[dict]:
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(
        f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={token}")
    replies = []
    for source in sources:
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": source, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout=300)
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") == msg_id and msg["msg_type"] == "execute_reply":
                replies.append(msg["content"])
                break
        if replies[-1]["status"] != "ok":
            break
    ws.close()
    return replies


def test_server_status_and_notebook_through_its_kernel(server, tmp_path):
    base, token, port = server
    status = _get(f"{base}/api/status", token)
    assert "started" in status
    kernel = _get(f"{base}/api/kernels", token, "POST", {"name": "python3"})
    nb = nbformat.read(NOTEBOOKS_DIR / "01_corpus_overview.ipynb", as_version=4)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    out = tmp_path / "figures"
    sources.insert(1, f"output_dir = {str(out)!r}")  # after the parameters cell, as papermill does
    replies = asyncio.run(_execute(port, token, kernel["id"], sources))
    errors = [r for r in replies if r["status"] != "ok"]
    assert not errors, f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert len(replies) == len(sources)
    assert (out / "01_documents_per_period.png").is_file()
    _get(f"{base}/api/kernels/{kernel['id']}", token, "DELETE")


def _with_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="printed\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-12-01T00:00:00Z"}
    return nb


def test_saving_a_shipped_notebook_keeps_outputs_out_of_the_repository(server):
    base, token, _ = server
    name = "02_terms.ipynb"
    path = NOTEBOOKS_DIR / name
    original = path.read_bytes()
    copy = NOTEBOOKS_DIR / "02_terms-Copy1.ipynb"
    ran = _with_outputs(nbformat.reads(original.decode("utf-8"), as_version=4))
    ran.cells[1].source += "\n# edited in the lab"   # an edit the researcher means to keep
    try:
        for target in (name, copy.name):
            _get(f"{base}/api/contents/{target}", token, "PUT",
                 {"type": "notebook", "format": "json", "content": ran})
        saved = nbformat.read(path, as_version=4)
        kept = nbformat.read(copy, as_version=4)
    finally:
        path.write_bytes(original)
        copy.unlink(missing_ok=True)
    code = [c for c in saved.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert all("execution" not in c.metadata for c in saved.cells)
    assert saved.cells[1].source.endswith("# edited in the lab")
    assert [c.source for c in saved.cells] == [c.source for c in ran.cells]
    # a copy under another name is the researcher's own record and keeps its outputs
    assert sum(len(c.outputs) for c in kept.cells if c.cell_type == "code") == len(code)
