from config.errors import Conflict, DomainError, InvalidInput, TooLarge


class InvalidImage(InvalidInput):
    code = "invalid_image"


class ImageTooLarge(TooLarge):
    code = "file_too_large"


class UnsafeArchive(InvalidInput):
    code = "unsafe_archive"


class ClassInUse(Conflict):
    code = "class_in_use"


__all__ = ["Conflict", "DomainError", "InvalidInput", "InvalidImage", "ImageTooLarge", "UnsafeArchive", "ClassInUse"]
