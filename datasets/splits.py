"""Deterministic train/val assignment from the content hash: re-uploading gives the same split."""


def split_for(sha256: str, val_fraction: float) -> str:
    return "val" if int(sha256[:8], 16) / 0x100000000 < val_fraction else "train"
