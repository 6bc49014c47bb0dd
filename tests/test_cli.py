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
    (["run", HERE / "malformed" / "20_import_os_system.yaml"], "tree[0].transform: unknown transform 'os:system'"),
    (["run", SMALL, "--set", "monitor.batch_size=-3"], "monitor.batch_size: must be at least 1"),
    (["export", "no_such_scenario"], "unknown built-in scenario"),
    (["validate", "missing.yaml"], "missing.yaml: no such scenario file"),
])
def test_bad_input_gives_a_message_and_exit_code_2(args, message):
    result = driftlab(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def files_under(folder):
    return {p for p in Path(folder).rglob("*") if p.is_file()}


@pytest.mark.parametrize("how", [["--set", "name=../.."], ["--set", "name=/tmp/driftlab-escape"],
                                 ["--set", "name=a/../../.."]], ids=["parent", "absolute", "nested"])
def test_run_writes_only_under_the_output_folder(tmp_path, how):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    before = files_under(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLAB_")}
    result = subprocess.run(["driftlab", "run", str(SMALL), "--quiet", "--set", "monitor.max_steps=1", *how],
                            cwd=work, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    written = files_under(tmp_path) - before
    assert written and all((work / "out").resolve() in p.resolve().parents for p in written), written
    assert not Path("/tmp/driftlab-escape").exists()


def test_environment_name_cannot_leave_the_output_folder(tmp_path):
    work = tmp_path / "w"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLAB_")}
    env["DRIFTLAB_NAME"] = "../../x"
    result = subprocess.run(["driftlab", "run", str(SMALL), "--quiet", "--set", "monitor.max_steps=1"],
                            cwd=work, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert {p.relative_to(tmp_path).parts[:2] for p in files_under(tmp_path)} == {("w", "out")}


POISON = """
import numpy as np

from driftlab.registry import TRANSFORMS


@TRANSFORMS.register
def poison(x, level, rng):
    return x * np.nan if level > 0 else x
"""


def poisoned(tmp_path, *extra):
    """A run whose stream turns to NaN at step 2: the episode after it meets a NaN loss."""
    (tmp_path / "poison.py").write_text(POISON)
    text = SMALL.read_text().replace("- branch: classes", "- {transform: poison}\n- branch: classes")
    text = text.replace("  signal_length: 32", "  signal_length: 32\n  poison: {level: {schedule: [0, 0, 1]}}")
    text = text.replace("monitor: {", "monitor: {adaptation: periodic, period: 2, ")
    scenario = tmp_path / "poisoned.yaml"
    scenario.write_text(text)
    return driftlab("run", scenario, "--out", tmp_path / "out", "--plugin", "poison", *extra,
                    env={"PYTHONPATH": str(tmp_path)})


@pytest.mark.parametrize("background", [False, True])
def test_a_failed_episode_fails_the_run_and_keeps_what_was_computed(tmp_path, background):
    # In the background too: episodes start and swap in at fixed batches, so the same one meets the
    # NaN data, and its failure comes where it swaps in
    result = poisoned(tmp_path, "--set", f"trainer.background={str(background).lower()}")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("driftlab run: error:")]
    assert len(errors) == 1 and "loss is nan" in errors[0], result.stderr
    out = tmp_path / "out"
    history = pd.read_csv(out / "history.csv")
    assert history["step"].max() >= 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["batches"] == len(history) and "loss is nan" in summary["error"]
    assert yaml.safe_load((out / "scenario.yaml").read_text())["name"] == "small"
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_write_failure_exits_with_one_line_and_keeps_complete_files(tmp_path):
    import resource

    def small_files():  # like a nearly full disk: writes past 3000 bytes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))

    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLAB_")}
    result = subprocess.run(["driftlab", "run", str(SMALL), "--quiet", "--out", str(tmp_path),
                             "--set", "monitor.batches_per_step=20"], env=env,  # history.csv past 3000 bytes
                            capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "File too large" in result.stderr, result.stderr
    assert yaml.safe_load((tmp_path / "scenario.yaml").read_text())["name"] == "small"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") or p.stat().st_size == 0]
    assert (tmp_path / "scenario.yaml").stat().st_mode & 0o044  # readable as files written by open() are


def test_redirected_progress_has_no_carriage_returns(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLAB_")}
    result = subprocess.run(["driftlab", "run", str(SMALL), "--out", str(tmp_path), "--set", "monitor.max_steps=2"],
                            capture_output=True, timeout=300, env=env)  # bytes: text mode would turn \r into \n
    assert result.returncode == 0 and b"step 2/2" in result.stderr and b"\r" not in result.stderr, result.stderr


def test_accuracy_matrix_columns_are_unique(tmp_path):
    # a periodic episode at step 0 is the second experience of step 0 (the pretraining is the first)
    result = driftlab("run", SMALL, "--out", tmp_path, "--quiet", "--set", "monitor.max_steps=1",
                      "--set", "monitor.adaptation=periodic", "--set", "monitor.period=1")
    assert result.returncode == 0, result.stderr
    header = (tmp_path / "accuracy_matrix.csv").read_text().splitlines()[0].split(",")
    assert len(header) == len(set(header)) == 4, header


def test_summary_lists_only_change_points_the_run_reached(tmp_path):
    result = driftlab("run", SMALL, "--out", tmp_path, "--quiet")  # max_steps 5: steps 0 to 4 are run
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["change_points"] == [1, 3]


def test_a_scenario_file_cannot_name_code_by_its_import_path(tmp_path):
    target = tmp_path / "saved.pt"
    text = SMALL.read_text().replace("type: MLP, hidden: [16]", f"type: 'torch:save', obj: 1, f: '{target}'")
    (tmp_path / "s.yaml").write_text(text)
    result = driftlab("validate", tmp_path / "s.yaml", "--plugin", "torch")
    assert result.returncode == 2 and "model.type: unknown model 'torch:save'" in result.stderr, result.stderr
    assert not target.exists()


def test_list_prints_the_registered_names_of_a_kind():
    result = driftlab("list", "strategies")
    assert result.returncode == 0, result.stderr
    assert [line.split("\t") for line in result.stdout.splitlines()][:2] == [["naive", "driftlab"],
                                                                             ["replay", "driftlab"]]
    result = driftlab("list", "detector")
    assert result.returncode == 2 and "did you mean 'detectors'" in result.stderr, result.stderr


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
