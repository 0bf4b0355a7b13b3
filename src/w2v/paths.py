"""File names as w2v takes them: ``str``, ``bytes`` or ``os.PathLike``, the one conversion.

Every public entry point that takes a path passes it through :func:`fspath`, which gives a
``str``. A ``bytes`` name that is not valid UTF-8 (possible on POSIX file systems) becomes a
``str`` with surrogate escapes, as ``os.fsdecode`` does, which ``open`` and every ``os``
function turn back into the same bytes, so such files are read and written like any other.
"""

from __future__ import annotations

import os
from typing import Any, Union

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


def fspath(path: Any, what: str = "path") -> str:
    """``path`` as a ``str`` file name.

    Parameters
    ----------
    path : str, bytes or path-like
    what : str
        The argument's name, for the error message.

    Returns
    -------
    str
        The name; undecodable bytes are kept as surrogate escapes.

    Raises
    ------
    TypeError
        ``path`` is not a path.
    """
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"{what} must be a str, bytes or os.PathLike, got {type(path).__name__}"
        ) from None


def existing_file(path: Any, what: str = "file") -> str:
    """``fspath(path)``, after checking it names a file: ``FileNotFoundError`` or
    ``IsADirectoryError`` (``what`` names the kind of file in the message) otherwise."""
    name = fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(f"no such {what}: {name!r}")
    if os.path.isdir(name):
        raise IsADirectoryError(f"{name!r} is a directory, not a model file")
    return name


def is_path(value: Any) -> bool:
    """Whether ``value`` is a file name (``str``, ``bytes`` or path-like)."""
    return isinstance(value, (str, bytes, os.PathLike))


def native_safe(path: str) -> bool:
    """Whether the C++ reader can open ``path`` (its name is valid UTF-8)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def path_or_file(value: Any, what: str = "fname") -> Any:
    """A file object as it is (it has ``read`` or ``write``), anything else as :func:`fspath`."""
    if hasattr(value, "read") or hasattr(value, "write"):
        return value
    return fspath(value, what)
