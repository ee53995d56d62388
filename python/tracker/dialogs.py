"""Dialogs for the buttons: choose a folder or a file, type a password.

xlwings has no dialogs of its own, so each engine gets its own: on Windows
Excel's file dialogs and InputBox through COM, on macOS AppleScript's
``choose folder``, ``choose file`` and ``display dialog`` through
osascript. Each returns None when the user clicks Cancel. Engines with
neither, such as xlwings' remote engine, raise NoDialog, whose message
names the Settings value to fill in instead.

NOTE: none of these dialogs has been shown here. They need Excel on
Windows or macOS, while its macro waits for Python, to confirm.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import TrackerError

# Office's MsoFileDialogType values.
FILE_PICKER = 3
FOLDER_PICKER = 4
# FileDialog.Show returns -1 when the user clicks the action button.
SHOWN_OK = -1
# The error number AppleScript gives when the user clicks Cancel.
USER_CANCELLED = "-128"


class NoDialog(TrackerError):
    """This engine cannot show a dialog. The message names the value to fill in instead."""


def _engine(book) -> str:
    module = type(book.impl).__module__
    if module.endswith("_xlwindows"):
        return "windows"
    if module.endswith("_xlmac"):
        return "mac"
    return "other"


def choose_folder(book, title: str, instead: str, start: Path | None = None) -> Path | None:
    """Return the folder the user chooses, or None when they cancel.

    ``instead`` is the message of the NoDialog raised on an engine without
    dialogs. ``start`` is the folder the dialog opens in, where it can.
    """
    engine = _engine(book)
    if engine == "windows":
        return _windows_pick(book, FOLDER_PICKER, title, start)
    if engine == "mac":
        chosen = _osascript('set chosen to choose folder with prompt (item 1 of argv)\n'
                            'return POSIX path of chosen', title)
        return Path(chosen) if chosen else None
    raise NoDialog(instead)


def _windows_pick(book, kind: int, title: str, start: Path | None,
                  file_filter: tuple[str, str] | None = None) -> Path | None:
    """Show Office's folder or file picker through COM; return the choice, or None on Cancel."""
    dialog = book.app.api.FileDialog(kind)
    dialog.Title = title
    dialog.AllowMultiSelect = False
    if file_filter is not None:
        dialog.Filters.Clear()
        dialog.Filters.Add(*file_filter)
    if start is not None:
        # A trailing separator makes the dialog open inside the folder.
        dialog.InitialFileName = str(start).rstrip("\\") + "\\"
    if dialog.Show() != SHOWN_OK:
        return None
    return Path(dialog.SelectedItems(1))


def choose_file(book, title: str, description: str, patterns: list[str], instead: str,
                start: Path | None = None) -> Path | None:
    """Return the file the user chooses, or None when they cancel.

    ``description`` and ``patterns`` ("*.csv") make the Windows dialog's
    file type filter. The macOS dialog shows every file.
    """
    engine = _engine(book)
    if engine == "windows":
        return _windows_pick(book, FILE_PICKER, title, start, (description, "; ".join(patterns)))
    if engine == "mac":
        chosen = _osascript('set chosen to choose file with prompt (item 1 of argv)\n'
                            'return POSIX path of chosen', title)
        return Path(chosen) if chosen else None
    raise NoDialog(instead)


def ask_password(book, prompt: str, title: str, instead: str) -> str | None:
    """Return the password typed, "" when the box was left empty, or None when the user cancels.

    NOTE: Excel's InputBox on Windows shows what is typed; AppleScript on
    macOS hides it. The password is returned and never stored.
    """
    engine = _engine(book)
    if engine == "windows":
        # Without a Type argument InputBox returns text; it returns False for Cancel.
        answer = book.app.api.InputBox(prompt, title)
        return None if answer is False else str(answer)
    if engine == "mac":
        return _osascript('set answer to display dialog (item 1 of argv) with title (item 2 of argv) '
                          'default answer "" with hidden answer\n'
                          'return text returned of answer', prompt, title)
    raise NoDialog(instead)


def _osascript(body: str, *arguments: str) -> str | None:
    """Run an AppleScript run handler with the arguments; return its output, or None on Cancel.

    The text goes in as arguments, never into the script itself, so quotes
    in a prompt cannot change what runs.
    """
    script = f"on run argv\n{body}\nend run\n"
    done = subprocess.run(["osascript", "-", *arguments], input=script, capture_output=True, text=True)
    if done.returncode != 0:
        if USER_CANCELLED in done.stderr:
            return None
        raise TrackerError(f"The dialog could not be shown (osascript: {done.stderr.strip()}). "
                           "Fill in the value on the Settings sheet instead and click the button again.")
    return done.stdout.rstrip("\n")
