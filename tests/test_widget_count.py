"""What a page costs in widgets: every widget is a model the kernel opens and sends, the student's server relays
(behind a hub) and the page builds, and every change after it is made one more message. A class of 30 opening
notebook 00 at once pays it 30 times (benchmarks/kernel.py, "30 at once")."""

from __future__ import annotations

import collections

import ipywidgets as W
import pytest

import regress_widgets as rw


@pytest.fixture
def page(monkeypatch):
    """Counts the widgets made and the state messages sent while the test builds something."""
    made: list = []
    sent: collections.Counter = collections.Counter()
    send_state = W.Widget.send_state

    def counted(self, key=None):
        sent[type(self).__name__] += 1
        return send_state(self, key)

    monkeypatch.setattr(W.Widget, "send_state", counted)
    W.Widget.on_widget_constructed(made.append)
    yield made, sent
    W.Widget.on_widget_constructed(None)


def test_a_side_by_side_page_opens_few_widgets_and_sends_few_changes(page):
    made, sent = page
    rw.SideBySide(display="screen")
    kinds = collections.Counter(type(w).__name__ for w in made)
    # before its controls shared their styles and were made as shown: 714 widgets, 546 changes
    assert len(made) <= 520, kinds.most_common(8)
    assert sum(sent.values()) <= 200, sent.most_common(8)
    styles = sum(n for kind, n in kinds.items() if kind.endswith("Style"))
    assert styles <= 50, kinds  # shared: a few per Lab (192 before), not one per control


def test_the_controls_of_a_kind_share_one_style_and_keep_their_own_layout():
    lab = rw.Lab("mxnet", display="none")
    sliders = [lab.controls[n] for n in ("lr", "gamma", "stepsize", "noise", "momentum")]
    assert len({id(s.style) for s in sliders}) == 1
    assert len({id(s.layout) for s in sliders}) == len(sliders)  # a shared layout would hide them together
    notes = list(lab.readouts.notes.values())
    assert len({id(n.style) for n in notes}) == 1 and len({id(n.layout) for n in notes}) == len(notes)
    assert lab.controls["lr"].style.description_width == "92px"
    compact = rw.Lab("mxnet", display="none", layout="compact")
    assert compact.controls["lr"].style.description_width == "56px"
    assert compact.controls["batch_size"].description == "batch" and compact.typed["lr"].layout.width == "64px"
    assert len({id(t.layout) for t in lab.typed.values()}) == 1  # the boxes step aside with their rows
    lab.set(optimizer="adam")  # Adam's settings step forward, momentum's aside, each row with its note line
    notes = lab.readouts.notes
    assert notes["beta1"].layout.display is None and notes["momentum"].layout.display == "none"
    assert notes["lr"].layout.display is None
    rows = {n: box for box in _boxes(lab) for n, note in notes.items() if box.layout is note.layout}
    assert lab.controls["momentum"] in rows["momentum"].children and lab.typed["momentum"] in rows["momentum"].children


def _boxes(widget):
    for child in getattr(widget, "children", ()):
        if isinstance(child, W.HBox):
            yield child
        yield from _boxes(child)
