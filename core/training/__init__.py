"""Continual learning on a drifting stream: the trainer, its strategies, models, metrics and checkpoints.

Wiring with the Monitor (``driftlab.monitor``)::

    trainer = Trainer(DigitsCNN(seed=0), "replay", classes=tree.classes)
    monitor = Monitor(tree, trainer.evaluator(), detector, adapt=trainer.adapt, collector=trainer.collector)
"""
from ..extras import require

require("torch", "driftlab.training")

from .checkpoint import load_checkpoint, save_checkpoint
from .data import Batch, Labels
from .evaluation import Evaluator, Experiences, draw_experience
from .metrics import (average_accuracy, average_forgetting_avalanche, average_forgetting_chaudhry, backward_transfer,
                      forgetting_avalanche, forgetting_chaudhry, forward_transfer, summary)
from .models import MLP, Conv1dNet, DigitsCNN, init_parameters
from .strategies import EWC, JVP, STRATEGIES, JVPLookahead, JVPReg, Naive, Replay, Strategy, make_strategy
from .trainer import Progress, Trainer, TrainerConfig, apply_threads, default_threads, resolve_device

__all__ = [
                      "EWC",
                      "JVP",
                      "MLP",
                      "STRATEGIES",
                      "Batch",
                      "Conv1dNet",
                      "DigitsCNN",
                      "Evaluator",
                      "Experiences",
                      "JVPLookahead",
                      "JVPReg",
                      "Labels",
                      "Naive",
                      "Progress",
                      "Replay",
                      "Strategy",
                      "Trainer",
                      "TrainerConfig",
                      "apply_threads",
                      "average_accuracy",
                      "average_forgetting_avalanche",
                      "average_forgetting_chaudhry",
                      "backward_transfer",
                      "default_threads",
                      "draw_experience",
                      "forgetting_avalanche",
                      "forgetting_chaudhry",
                      "forward_transfer",
                      "init_parameters",
                      "load_checkpoint",
                      "make_strategy",
                      "resolve_device",
                      "save_checkpoint",
                      "summary",
]
