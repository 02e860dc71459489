"""Every input has an accessible name, so a screen reader can say what it is for."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMenuBar, QTabBar, QWidget

from icv_app.domain.custody.visit import VisitStatus
from icv_app.ui.custody.amendment_dialog import AmendmentDialog
from icv_app.ui.custody.submit_dialog import SubmitDialog
from icv_app.ui.shared.form_section import INPUT_TYPES
from icv_app.ui.shell.passphrase_dialog import PassphraseDialog
from tests.gui.conftest import make_visit

pytestmark = pytest.mark.gui


def inputs(root: QWidget) -> list[QWidget]:
    """Inputs a person reaches, not the inner parts of composite widgets (the line edit
    inside a spin box, the list inside a combo box, tab bar and menu bar buttons)."""
    found = [root] if isinstance(root, INPUT_TYPES) else []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUT_TYPES):
            continue
        parent = widget.parentWidget()
        inner = False
        while parent is not None and parent is not root:
            if isinstance(parent, (*INPUT_TYPES, QTabBar, QMenuBar)):
                inner = True
                break
            parent = parent.parentWidget()
        if not inner:
            found.append(widget)
    return found


def unnamed(root: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName() or ''} {getattr(w, 'text', lambda: '')()!r}"
        for w in inputs(root)
        if not w.accessibleName().strip()
    ]


@pytest.fixture
def full_visit(seed):
    report = make_visit(
        "suite-elmwick",
        custody_numbers=("01NS/0421/26", "01NS/0422/26"),
        issue_text="Cell 3 was cold.",
    )
    submitted = make_visit(status=VisitStatus.SUBMITTED, custody_numbers=("01NS/0500/26",))
    seed([report, submitted])
    return report, submitted


def test_every_input_of_the_main_window_and_form_has_a_name(qtbot, full_visit, window):
    report, _ = full_visit
    assert len(inputs(window)) >= 8
    assert unnamed(window) == []

    window.open_visit(report.id)
    form = window.form
    count = len(inputs(form))
    assert count > 120  # every section's inputs, not just the visible tab
    assert unnamed(window) == []
    assert unnamed(form) == []


def test_every_input_of_the_dialogs_has_a_name(qtbot, full_visit, reference):
    report, submitted = full_visit
    dialogs = [
        SubmitDialog(report, reference),
        AmendmentDialog(submitted, reference),
        PassphraseDialog(new_profile=True),
        PassphraseDialog(new_profile=False, error="Wrong passphrase."),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert inputs(dialog)
        assert unnamed(dialog) == [], type(dialog).__name__
