"""Continual learning on a drifting stream: the trainer, its strategies, models, metrics and checkpoints.

Wiring with the Monitor (``core.monitor``)::

    trainer = Trainer(DigitsCNN(seed=0), "replay", classes=tree.classes)
    monitor = Monitor(tree, trainer.evaluator(), detector, adapt=trainer.adapt, collector=trainer.collector)
"""
from .checkpoint import load_checkpoint, save_checkpoint
from .data import Batch, Labels
from .evaluation import Evaluator, Experiences, draw_experience
from .metrics import (average_accuracy, average_forgetting, backward_transfer, forgetting, forward_transfer,
                      summary)
from .models import MLP, Conv1dNet, DigitsCNN, init_parameters
from .strategies import EWC, JVP, STRATEGIES, JVPLookahead, Naive, Replay, Strategy, make_strategy
from .trainer import Progress, Trainer, TrainerConfig, resolve_device

__all__ = [
    "Trainer", "TrainerConfig", "Progress", "resolve_device",
    "Strategy", "STRATEGIES", "make_strategy", "Naive", "Replay", "EWC", "JVP", "JVPLookahead",
    "MLP", "Conv1dNet", "DigitsCNN", "init_parameters",
    "Evaluator", "Experiences", "draw_experience", "Batch", "Labels",
    "average_accuracy", "forgetting", "average_forgetting", "backward_transfer", "forward_transfer", "summary",
    "save_checkpoint", "load_checkpoint",
]
