"""Training domain errors; config.errors maps each to its HTTP status and {"error", "message"} body."""
from config.errors import Conflict, DomainError, InvalidInput


class DatasetNotLabelled(Conflict):
    code = "dataset_not_labelled"


class NotEnoughPeople(Conflict):
    """Train and val cannot each hold a person with labelled keypoints (training.engine.split_check)."""
    code = "not_enough_people"


class PretrainedMissing(InvalidInput):
    code = "pretrained_missing"


class DatasetEmpty(InvalidInput):
    code = "dataset_empty"


class KeypointCountMismatch(InvalidInput):
    code = "keypoint_count_mismatch"


class UnknownAlgorithm(InvalidInput):
    code = "unknown_algorithm"


class WorkerUnavailable(InvalidInput):
    code = "worker_unavailable"


class InvalidWeights(InvalidInput):
    code = "invalid_weights"


class SessionNotActive(Conflict):
    code = "session_not_active"


class SessionNotResumable(Conflict):
    code = "session_not_resumable"


class SessionBusy(Conflict):
    code = "session_busy"


class WeightsMissing(Conflict):
    code = "weights_missing"


__all__ = ["DomainError", "DatasetNotLabelled", "DatasetEmpty", "KeypointCountMismatch", "UnknownAlgorithm",
           "WorkerUnavailable", "InvalidWeights", "SessionNotActive", "SessionNotResumable", "SessionBusy",
           "WeightsMissing", "NotEnoughPeople", "PretrainedMissing"]
