"""The Lab's readouts under and beside the figure: the step shown, the stability limit, θ against the truth
and the optimum with the run's status, the table of pinned runs, the real run's deviation, and messages."""

from __future__ import annotations

import html
import math
import re

import ipywidgets as W
import numpy as np

from ...panels import STATUS_COLORS, Frame
from ...theory.limits import limits_for
from ...theory.verdict import full_loss
from ...words import ENGLISH, Words
from .state import CONTROLLED

WARN_COLOR = "#b35c00"


def _cells(pad: str):
    def cells(values) -> str:
        return "".join(f"<td style='text-align:right;padding:{pad}'>{v:.4g}</td>" for v in values)
    return cells


def minibatch_note(frame: Frame, w: Words = ENGLISH) -> str:
    """The second line of the stability note: the mean-square limit of minibatch SGD at this batch size, in words
    (empty for the full batch, or while the real run is shown: its data are the recording's, not the seed's)."""
    recipe, run = frame.recipe, frame.run
    if frame.reference is not None or (not recipe.streaming and recipe.batch_size >= recipe.n_examples):
        return ""
    limits = limits_for(recipe, run.seed, quick=True)
    gd, ms = limits["gradient_descent"], limits["mean_square"]
    if gd is None or ms is None:
        return ""
    batches = w("batches of {n}", n=recipe.batch_size) if recipe.batch_size > 1 else w("one example a step")
    if ms >= 0.995 * gd:
        return ("<div style='color:#555'>" + w("with {batches}, the batch noise lowers no limit: the mean-square "
                                               "limit is gradient descent's", batches=batches) + "</div>")
    if recipe.lr <= ms:
        return ("<div style='color:#555'>" + w("with {batches}, expect trouble above <b>≈ {ms}</b> even though "
                                               "gradient descent is stable up to {gd} (the mean-square limit of "
                                               "minibatch SGD)", batches=batches, ms=f"{ms:.2g}", gd=f"{gd:.2g}")
                + "</div>")
    return (f"<div style='color:{WARN_COLOR}'>" + w("<b>⚠ past ≈ {ms}</b>, the mean-square limit for {batches}: "
                                                    "runs wander, most settle, some blow up — even though gradient "
                                                    "descent is stable up to {gd}", ms=f"{ms:.2g}", batches=batches,
                                                    gd=f"{gd:.2g}") + "</div>")


class Readouts:
    """The readout widgets of one Lab (``step_info``, ``lr_info``, ``readout``, ``pins_table``, ``framework_info``,
    ``message_box``); each ``show_…`` writes them from what it is given, nothing else."""

    def __init__(self, compact: bool, w: Words, style: W.Widget):
        self.compact = compact
        self.w = w
        """The Lab's language: every text shown is ``w(english)``."""
        self.style = style
        """The style of every HTML line the Lab shows (one for all: :class:`~.styles.Styles`)."""

        def html(*classes):
            return W.HTML(style=style, _dom_classes=classes)

        self.lr_info = html("rw-lr-info")
        self.step_info = html()
        self.readout = html("rw-readout")
        self.pins_table = html()
        self.framework_info = html()
        self.message_box = html()
        self.notes = {name: W.HTML(style=style, _dom_classes=(f"rw-note-{name}",),
                                   layout=W.Layout(width="100%", align_items="center"))
                      for name in (*CONTROLLED, "seed", "standardize")}
        """A line under each setting's row: what the Lab refused or corrected there. Its Layout is its row's too
        (:func:`~.layout.arrange`): the two step aside together."""
        self.standing: dict[str, str] = {}
        """Notes that stay under a row while no message is shown there (why the row steps aside)."""
        self.message = ""
        self.show_pins(())

    def show(self, frame: Frame) -> None:
        self.show_step(frame)
        self._show_limit(frame)
        self._show_theta(frame)

    def show_step(self, frame: Frame) -> None:
        recipe, k, w = frame.recipe, frame.position, self.w
        epoch = ""
        per = recipe.steps_per_epoch
        if per:
            epoch = w(", epoch {k} of {n}", k=min(math.ceil(k / per), recipe.epochs or 0), n=recipe.epochs)
        self.step_info.value = ("<span style='font-size:1.05em'>" + w("step <b>{k}</b> of {n}", k=k, n=frame.run.steps)
                                + f"{epoch}</span>")

    def _show_limit(self, frame: Frame) -> None:
        limit, lr, name, w = frame.lr_limit, frame.recipe.lr, frame.limit_name, self.w
        if limit is None:  # Adam
            text = f"<span style='color:#555'>Adam: {html.escape(w(name))}</span>"
        elif lr > limit:
            text = (f"<span style='color:{STATUS_COLORS['diverged']}'>"
                    + w("<b>⚠ past the stability limit {name} ≈ {limit}</b>: expect divergence", name=name,
                        limit=f"{limit:.3g}") + "</span>")
        else:
            text = ("<span style='color:#555'>" + w("lr can grow <b>×{factor}</b> before the stability limit "
                                                    "<span style='white-space:nowrap'>{name} ≈ <b>{limit}</b></span>",
                                                    factor=f"{limit / lr:.3g}", name=name, limit=f"{limit:.3g}")
                    + "</span>" + minibatch_note(frame, w))
        self.lr_info.value = f"<div style='line-height:1.35;margin:2px 0'>{text}</div>"  # not the 28-px rows

    def _show_theta(self, frame: Frame) -> None:
        run, land, recipe, status = frame.run, frame.landscape, frame.recipe, frame.status
        names = recipe.param_names
        last = run.theta[frame.stop]  # where the path is drawn to: the play position
        own = recipe.data
        finite = run.loss[:frame.stop][np.isfinite(run.loss[:frame.stop])]
        minibatch = f"{finite[-1]:.4g}" if len(finite) else "–"
        final = full_loss(land, last[None])[0]
        pad = "0 4px" if self.compact else "0 8px"  # a narrow column: tighter, shorter
        w = self.w
        rows = ((w("θ after step {k}", k=frame.stop), w("truth ★"), w("least squares ✕")) if self.compact
                else (w("θ after step {k}", k=frame.stop), w("ground truth ★"), w("least-squares optimum ✕")))
        head = "".join(f"<th style='text-align:right;padding:{pad}'>{n}</th>" for n in names)
        cells = _cells(pad)
        kind = status.kind  # the status text starts with its kind; the loss it names is on the line above
        rest = status.text[len(kind):] if status.text.startswith(kind) else f": {status.text}"
        rest = "" if rest.startswith(": loss ") else status_rest(rest, w)
        if own is None:
            truth = f"<tr><td>{rows[1]}</td>{cells(recipe.theta_true)}</tr>"
            theta, best, trained = cells(last), cells(land.optimum), ""
        else:  # your own data: in its units, whatever SGD trains on; no truth to show
            truth = (f"<tr><td>{rows[1]}</td><td colspan='{len(names)}' style='padding:{pad};color:#555'>"
                     + w("unknown: your own data") + "</td></tr>")
            theta, best = cells(own.to_original(last)), cells(own.to_original(land.optimum))
            trained = (f"<tr style='color:#555'><td>{w('as trained (standardized)')}</td>{cells(last)}</tr>"
                       if own.standardize else "")
            if not own.unique_optimum:
                rows = (*rows[:2], rows[2] + w(" (minimum-norm: not unique)"))
        self.readout.value = (
            "<table style='border-collapse:collapse'>"
            f"<tr><th></th>{head}</tr>"
            f"<tr><td><b>{rows[0]}</b></td>{theta}</tr>"
            f"{trained}{truth}"
            f"<tr><td>{rows[2]}</td>{best}</tr>"
            "</table>"
            "<div style='margin-top:4px'>"
            + w("loss: last minibatch {last} · full data <b>{full}</b> · best possible {best}", last=minibatch,
                full=f"{final:.4g}", best=f"{land.min_loss:.4g}") + "</div>"
            f"<div style='margin-top:4px;font-size:1.15em;color:{STATUS_COLORS[kind]}'><b>{html.escape(w(kind))}</b>"
            f"{html.escape(rest)}</div>")

    def show_pins(self, rows) -> None:
        """The table of pinned runs (``rows``: dicts with n, color, the settings, seed, final_loss, status)."""
        if not rows:
            self.pins_table.value = f"<span style='color:#777'>{self.w('no pinned runs')}</span>"
            return
        cols = ("lr", "batch_size") if self.compact else ("lr", "gamma", "stepsize", "batch_size", "noise", "seed")
        head = "".join(f"<th style='padding:0 6px'>{c}</th>"
                       for c in ("", *cols, self.w("final loss"), self.w("status")))
        out = []
        for p in rows:
            swatch = f"<span style='color:{p['color']};font-size:1.3em'>■</span> {p['n']}"
            vals = "".join(f"<td style='padding:0 6px;text-align:right'>{p[c]:.3g}</td>" for c in cols)
            out.append(f"<tr><td>{swatch}</td>{vals}<td style='padding:0 6px;text-align:right'>"
                       f"{p['final_loss']:.4g}</td><td style='padding:0 6px'>{self.w(p['status'])}</td></tr>")
        self.pins_table.value = f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(out)}</table>"

    def show_real(self, text_html: str) -> None:
        self.framework_info.value = text_html

    def say(self, text: str | None = None, color: str = STATUS_COLORS["diverged"], at: str | None = None) -> None:
        """Show a message (a refusal, a clamped value) under the setting ``at``'s row, or under the controls;
        None clears every message."""
        self.message = text or ""
        shown = "" if text is None else (
            f"<div style='color:{color};font-weight:bold;padding:0 0 2px;line-height:1.25'>{html.escape(text)}</div>")
        for name, note in self.notes.items():
            note.value = shown if name == at else self.standing.get(name, "")
        self.message_box.value = shown if at not in self.notes else ""


_REST = (
    (re.compile(r" at step (\d+) \(lr (\S+) > (\S+) = (\S+)\)"), " at step {k} (lr {lr} > {name} = {limit})",
     ("k", "lr", "name", "limit")),
    (re.compile(r" at step (\d+)"), " at step {k}", ("k",)),
    (re.compile(r": lr (\S+) is past the stability limit (\S+) = (\S+) \(loss ×(\S+) of the start so far\)"),
     ": lr {lr} is past the stability limit {name} = {limit} (loss ×{ratio} of the start so far)",
     ("lr", "name", "limit", "ratio")),
)


def status_rest(rest: str, w: Words) -> str:
    """The verdict's sentence after its kind (``regress_widgets.theory.verdict`` words it), in the language of ``w``."""
    for pattern, text, names in _REST:
        found = pattern.fullmatch(rest)
        if found:
            return w(text, **dict(zip(names, found.groups(), strict=True)))
    return rest
