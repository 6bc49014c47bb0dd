"""Atomic writes: a write killed half-way leaves the old file, and its temporary file is cleaned up later."""
import os
import signal
import subprocess
import sys

from driftlab.files import write_atomically

KILLED_WRITER = """
import sys, time
from driftlab.files import write_atomically

def slow(file):
    file.write(b"half")
    file.flush()
    print("writing", flush=True)
    time.sleep(600)

write_atomically(sys.argv[1], slow)
"""


def test_a_killed_write_leaves_the_old_file_and_its_temporary_file_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "checkpoint.pt"
    write_atomically(target, lambda file: file.write(b"old"))
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE)
    assert writer.stdout.readline() == b"writing\n"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert target.read_bytes() == b"old" and len(list(tmp_path.glob("*.tmp"))) == 1
    write_atomically(target, lambda file: file.write(b"new"))
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["checkpoint.pt"]


def test_a_live_writers_temporary_file_is_kept(tmp_path):
    target = tmp_path / "state.bin"
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE)
    try:
        assert writer.stdout.readline() == b"writing\n"
        write_atomically(target, lambda file: file.write(b"mine"))
        assert len(list(tmp_path.glob("*.tmp"))) == 1  # the other writer is still at work
    finally:
        writer.kill()
        writer.wait()

