"""The ``driftlab`` command, run for real in a subprocess."""
import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from driftlab import __version__

HERE = Path(__file__).parent / "scenarios"
SMALL = HERE / "small.yaml"


def driftlab(*args, env=None, timeout=300):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLAB_")}
    environ.update(env or {})
    return subprocess.run(["driftlab", *map(str, args)], capture_output=True, text=True, timeout=timeout, env=environ)


def test_help_and_version():
    assert "usage: driftlab" in driftlab().stdout
    assert driftlab("--version").stdout.strip() == f"driftlab {__version__}"


def test_run_writes_every_result(tmp_path):
    result = driftlab("run", SMALL, "--out", tmp_path, "--set", "monitor.max_steps=4",
                      env={"DRIFTLAB_MONITOR__BATCH_SIZE": "48"})
    assert result.returncode == 0, result.stderr
    assert "step 4/4" in result.stderr  # the progress bar
    files = {p.name for p in tmp_path.iterdir()}
    assert files == {"history.csv", "detection_report.csv", "scenario.yaml", "summary.json", "accuracy_matrix.csv"}
    history = pd.read_csv(tmp_path / "history.csv")
    assert len(history) == 8 and history["step"].max() == 3  # 2 batches per step, stops at step 4
    resolved = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    assert resolved["monitor"]["max_steps"] == 4 and resolved["monitor"]["batch_size"] == 48
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["batches"] == 8 and summary["change_points"] == [1, 3]
    matrix = pd.read_csv(tmp_path / "accuracy_matrix.csv", index_col=0)
    assert matrix.shape[0] == 1 + summary["episodes"]  # the pretraining experience, then one per episode
    report = pd.read_csv(tmp_path / "detection_report.csv")
    assert set(report["step"]) == {0, 1, 3}


def test_run_is_reproducible(tmp_path):
    for out in ("a", "b"):
        assert driftlab("run", SMALL, "--out", tmp_path / out, "--quiet").returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "history.csv"),
                                  pd.read_csv(tmp_path / "b" / "history.csv"))


def test_validate_and_export():
    assert driftlab("validate", SMALL).stdout.startswith("ok: small:")
    exported = driftlab("export", "detector_comparison")
    assert exported.returncode == 0 and yaml.safe_load(exported.stdout)["name"] == "detector_comparison"
    assert driftlab("validate", "time_series_drift").returncode == 0


@pytest.mark.parametrize("args, message", [
    (["validate", HERE / "malformed" / "41_update_bad_setting.yaml"], "parameters.ramp.height.update.k:"),
    (["validate", HERE / "malformed" / "04_unclosed_bracket.yaml"], "line 15, column 7: YAML syntax error"),
    (["run", HERE / "malformed" / "20_import_os_system.yaml"], "not among the allowed imports"),
    (["run", SMALL, "--set", "monitor.batch_size=-3"], "monitor.batch_size: must be at least 1"),
    (["export", "no_such_scenario"], "unknown built-in scenario"),
    (["validate", "missing.yaml"], "missing.yaml: no such scenario file"),
])
def test_bad_input_gives_a_message_and_exit_code_2(args, message):
    result = driftlab(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def _listening(port: int) -> set[str]:
    """The local addresses (hex, as in /proc/net/tcp*) of sockets listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if int(hex_port, 16) == port and state == "0A":  # LISTEN
                    found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket tables")
def test_serve_listens_on_this_machine_only_unless_told(tmp_path):
    import socket
    import signal
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(["driftlab", "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not _listening(port):
            assert server.poll() is None and time.monotonic() < deadline, "driftlab serve did not start"
            time.sleep(0.5)
        assert _listening(port) == {"0100007F"}  # 127.0.0.1, nothing else (not 0.0.0.0, not ::)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/app", timeout=120) as response:
            assert response.status == 200
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
