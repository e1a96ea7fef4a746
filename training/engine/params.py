"""Training parameters: their one list of names, defaults and ranges. Framework-free (no Django imports).

`TrainingParams` is the single definition the API serializer, the start service, `manage.py train` and the
worker's RunSpec read; nothing else lists the names or checks the ranges.

    TrainingParams.clean({"epochs": "50", "batch": "auto"}) -> TrainingParams(epochs=50, batch="auto", ...)
    TrainingParams.from_stored(session.params)               -> the same, from what a session stored
    params.as_dict()                                         -> {"epochs": 50, "batch": "auto", ...} (stored as JSON)
    params.run_args()                                        -> keyword arguments of runner.RunSpec

Errors: core.errors.InvalidInput naming the parameter (field = its name, or "params.<name>" for an unknown one).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from core.errors import InvalidInput


@dataclass(frozen=True)
class Range:
    low: int
    high: int
    help: str = ""


# Whole-number parameters: (low, high) inclusive, and what each means (Ultralytics' own names and meanings).
RANGES: dict[str, Range] = {
    "epochs": Range(1, 10000, "Epochs to train."),
    "batch": Range(1, 1024, 'Batch size, or "auto" (Ultralytics AutoBatch: ~60% of the GPU; 16 on a CPU).'),
    "imgsz": Range(32, 4096, "Training image size in pixels, a multiple of 32 (the model's largest stride)."),
    "patience": Range(0, 10000, "Early stopping: epochs without fitness improvement (0: off)."),
    "nbs": Range(1, 4096, "Nominal batch size for gradient accumulation (default: Ultralytics' 64)."),
    "seed": Range(0, 2**31 - 1, "Random seed."),
}
STRIDE = 32


@dataclass(frozen=True)
class TrainingParams:
    epochs: int = 300
    batch: int | str = 16  # or "auto"
    imgsz: int = 640
    patience: int = 100
    plots: bool = True  # let Ultralytics write its plots into the run folder
    nbs: int | None = None  # None: Ultralytics' default
    seed: int = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def defaults(cls) -> dict:
        return asdict(cls())

    @classmethod
    def clean(cls, raw: dict | None) -> "TrainingParams":
        """Defaults filled in for missing, None or "" values; every range checked; unknown names refused."""
        raw = dict(raw or {})
        unknown = sorted(set(raw) - set(cls.names()))
        if unknown:
            raise InvalidInput(f"unknown parameter(s) {unknown}; known: {sorted(cls.names())}",
                               field=f"params.{unknown[0]}")
        values = cls.defaults()
        for key, value in raw.items():
            if value is None or value == "":
                continue
            if key == "plots":
                values[key] = _boolean(value, key)
            elif key == "batch" and isinstance(value, str) and value.strip().lower() == "auto":
                values[key] = "auto"
            else:
                values[key] = check_int(key, value)
        if values["imgsz"] % STRIDE:
            raise InvalidInput(f"imgsz must be a multiple of {STRIDE} (the model's largest stride); got "
                               f"{values['imgsz']}", field="imgsz")
        return cls(**values)

    @classmethod
    def from_stored(cls, stored: dict | None) -> "TrainingParams":
        """What a session stored (older sessions may lack newer names: they get the defaults)."""
        return cls.clean({k: v for k, v in (stored or {}).items() if k in cls.names()})

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def batch_arg(self) -> int:
        """Ultralytics' batch argument: -1 for AutoBatch."""
        return -1 if self.batch == "auto" else int(self.batch)

    def run_args(self) -> dict:
        """Keyword arguments of training.engine.runner.RunSpec: epochs, batch, imgsz, patience and `extra`."""
        return {"epochs": self.epochs, "batch": self.batch_arg, "imgsz": self.imgsz, "patience": self.patience,
                "extra": {"plots": self.plots, "nbs": self.nbs, "seed": self.seed}}


def check_int(key: str, value) -> int:
    """`value` as a whole number within RANGES[key]; InvalidInput naming `key` otherwise."""
    if isinstance(value, bool):
        raise InvalidInput(f"{key} must be a whole number", field=key)
    try:
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} must be a whole number" + (' or "auto"' if key == "batch" else ""),
                           field=key) from None
    low, high = RANGES[key].low, RANGES[key].high
    if not low <= number <= high:
        raise InvalidInput(f"{key} must be between {low} and {high}; got {number}", field=key)
    return number


def _boolean(value, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise InvalidInput(f"{key} must be true or false", field=key)
