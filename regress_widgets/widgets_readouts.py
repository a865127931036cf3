"""The Lab's readouts under and beside the figure: the step shown, θ against the truth and the optimum with
the run's status, the table of pinned runs, and the messages (refusals, clamped values)."""

from __future__ import annotations

import html
import math

import numpy as np

from .panels import STATUS_COLORS, full_loss, last_finite_step


def _cells(pad: str):
    def cells(values) -> str:
        return "".join(f"<td style='text-align:right;padding:{pad}'>{v:.4g}</td>" for v in values)
    return cells


class Readouts:
    """A part of :class:`~regress_widgets.widgets.Lab`: it reads the Lab's run, recipe, landscape, panels and
    pins, and writes its ``step_info``, ``lr_info``, ``readout``, ``pins_table`` and ``message_box`` widgets."""

    def _show_step(self) -> None:
        run = self.run
        k = self.panels.position
        epoch = ""
        per = self.recipe.steps_per_epoch
        if per:
            epoch = f", epoch {min(math.ceil(k / per), self.recipe.epochs or 0)} of {self.recipe.epochs}"
        self.step_info.value = f"<span style='font-size:1.05em'>step <b>{k}</b> of {run.steps}{epoch}</span>"

    def _show_readouts(self) -> None:
        run, land, recipe = self.run, self.landscape, self.recipe
        lr_max = land.lr_max
        if recipe.lr > lr_max:
            self.lr_info.value = (f"<span style='color:{STATUS_COLORS['diverged']}'><b>⚠ past the stability "
                                  f"limit 2/λmax ≈ {lr_max:.3g}</b>: expect divergence</span>")
        else:
            self.lr_info.value = (f"<span style='color:#555'>stability limit 2/λmax ≈ <b>{lr_max:.3g}</b> "
                                  f"(×{lr_max / recipe.lr:.3g} this lr)</span>")
        status = self.status
        names = recipe.param_names
        last = run.last_theta
        opt = land.optimum

        k = last_finite_step(run)
        finite = run.loss[np.isfinite(run.loss)]
        minibatch = f"{finite[-1]:.4g}" if len(finite) else "–"
        final = full_loss(land, last[None])[0]
        pad = "0 4px" if self._panel_layout == "compact" else "0 8px"  # a narrow column: tighter, shorter
        rows = (("θ after step", "ground truth ★", "least-squares optimum ✕") if self._panel_layout == "full"
                else ("θ after step", "truth ★", "least squares ✕"))
        head = "".join(f"<th style='text-align:right;padding:{pad}'>{n}</th>" for n in names)
        cells = _cells(pad)
        kind = status.kind  # the status text starts with its kind; the loss it names is on the line above
        rest = status.text[len(kind):] if status.text.startswith(kind) else f": {status.text}"
        rest = "" if rest.startswith(": loss ") else rest
        self.readout.value = (
            "<table style='border-collapse:collapse'>"
            f"<tr><th></th>{head}</tr>"
            f"<tr><td><b>{rows[0]} {k}</b></td>{cells(last)}</tr>"
            f"<tr><td>{rows[1]}</td>{cells(recipe.theta_true)}</tr>"
            f"<tr><td>{rows[2]}</td>{cells(opt)}</tr>"
            "</table>"
            f"<div style='margin-top:4px'>loss: last minibatch {minibatch} · full data <b>{final:.4g}</b> · "
            f"best possible {land.min_loss:.4g}</div>"
            f"<div style='margin-top:4px;font-size:1.15em;color:{status.color}'><b>{html.escape(kind)}</b>"
            f"{html.escape(rest)}</div>")

    def _show_pins(self) -> None:
        if not self.pins:
            self.pins_table.value = "<span style='color:#777'>no pinned runs</span>"
            return
        cols = ("lr", "gamma", "stepsize", "batch_size", "noise", "seed")
        if self._panel_layout == "compact":  # a narrow column
            cols = ("lr", "batch_size")
        head = "".join(f"<th style='padding:0 6px'>{c}</th>" for c in ("", *cols, "final loss", "status"))
        rows = []
        for p in self.pins:
            swatch = f"<span style='color:{p['color']};font-size:1.3em'>■</span> {p['n']}"
            vals = "".join(f"<td style='padding:0 6px;text-align:right'>{p[c]:.3g}</td>" for c in cols)
            rows.append(f"<tr><td>{swatch}</td>{vals}<td style='padding:0 6px;text-align:right'>"
                        f"{p['final_loss']:.4g}</td><td style='padding:0 6px'>{p['status']}</td></tr>")
        self.pins_table.value = f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>"

    # ------------------------------------------------------------------ messages
    @property
    def message(self) -> str:
        return " ".join(self._messages)

    def _say(self, text: str | None = None, color: str = STATUS_COLORS["diverged"]) -> None:
        self._messages = [] if text is None else [text]
        self.message_box.value = "" if text is None else (
            f"<div style='color:{color};font-weight:bold;padding:2px 0'>{html.escape(text)}</div>")

    def _refuse(self, name: str, old, err) -> None:
        """Put the control back to its last good value and say why."""
        self._syncing = True
        try:
            self.controls[name].value = old
        finally:
            self._syncing = False
        self._say(f"Refused: {err}. {name} stays at {old:g}.")

    def _clamped(self, widget, asked, got) -> None:
        if self._syncing:
            return
        name = self._name_of(widget)
        self._clamp = (widget, got)
        if name == "epochs" and self.recipe.streaming:  # its epochs slider is hidden, pinned at 1
            self._say(f"epochs: {self.recipe.name} draws a fresh batch every step: use steps.")
            return
        self._say(f"{name} = {asked!r} is outside the slider's range; using {got:g} instead.",
                  color="#b35c00")

