"""The ``driftlab`` console script is installed and answers."""
import subprocess


def test_console_script_prints_help():
    result = subprocess.run(["driftlab"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "usage: driftlab" in result.stdout


def test_console_script_reports_version():
    result = subprocess.run(["driftlab", "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("driftlab 0.1.0")
