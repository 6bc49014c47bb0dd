"""One torch thread setting, ``trainer.threads``, applied when a scenario is built: CLI, dashboard, notebook."""
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from driftlab.cli import main  # noqa: E402
from driftlab.dashboard import Session  # noqa: E402
from driftlab.errors import ConfigError  # noqa: E402
from driftlab.scenario import load_scenario  # noqa: E402
from driftlab.training import default_threads  # noqa: E402

SMALL = Path(__file__).parent / "scenarios" / "small.yaml"
ONE_STEP = ["monitor.max_steps=1", "monitor.pretrain_samples=0"]


@pytest.fixture(autouse=True)
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def cli_threads(tmp_path, overrides):
    torch.set_num_threads(7)  # neither the rule's nor the setting's value: the build must change it
    args = ["run", str(SMALL), "--out", str(tmp_path), "--quiet"]
    for item in overrides:
        args += ["--set", item]
    assert main(args) == 0
    return torch.get_num_threads()


def session_threads(overrides):
    torch.set_num_threads(7)
    session = Session(load_scenario(SMALL, overrides=overrides))
    try:
        assert session.experiment.threads == torch.get_num_threads()
        return torch.get_num_threads()
    finally:
        session.close()


@pytest.mark.parametrize("setting, expected", [([], default_threads()), (["trainer.threads=2"], 2)])
def test_the_cli_and_the_dashboard_apply_the_same_thread_count(tmp_path, setting, expected):
    overrides = [*ONE_STEP, *setting]
    assert cli_threads(tmp_path, overrides) == expected
    assert session_threads(overrides) == expected


def test_the_default_rule_leaves_a_core_and_keeps_one_thread_on_two_cores():
    assert [default_threads(n) for n in (1, 2, 3, 4, 16)] == [1, 1, 2, 3, 15]


@pytest.mark.parametrize("value, problem", [("0", "at least 1"), ("many", "expected a number")])
def test_a_bad_thread_count_names_trainer_threads(value, problem):
    with pytest.raises(ConfigError, match=rf"trainer\.threads: .*{problem}"):
        load_scenario(SMALL, overrides=[f"trainer.threads={value}"]).build()


def test_an_explicit_count_overrides_the_scenario_as_a_sweep_cell_does():
    experiment = load_scenario(SMALL, overrides=["trainer.threads=2"]).build(threads=1)
    assert experiment.threads == torch.get_num_threads() == 1
