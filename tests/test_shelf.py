"""Recipe switches keep each recipe's panels (regress_widgets/lab/shelf.py) and lay them out ahead while the
class is idle (lab/ahead.py): a switch shows the same picture as a Lab that started with that recipe."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

import regress_widgets as rw
from regress_widgets.lab.ahead import IDLE


def shown(lab) -> np.ndarray:
    lab.figure.canvas.draw()
    return np.asarray(lab.figure.canvas.buffer_rgba()).copy()


def open_page(lab, width=516):
    screen = lab.view.widget
    screen.send = lambda *args, **kwargs: None
    screen._heard(screen, {"type": "ready"}, [])
    screen.width = width


def test_a_switch_back_reuses_the_panels_and_draws_the_same_picture():
    lab = rw.Lab("pytorch", display="screen", seed=3)
    open_page(lab)
    fresh = {}
    for name in ("mxnet", "caffe2"):
        other = rw.Lab(name, display="screen", seed=3)
        open_page(other)
        fresh[name] = shown(other)
    first = shown(lab)
    for name in ("mxnet", "caffe2"):
        lab.controls["recipe"].value = name
        np.testing.assert_array_equal(shown(lab), fresh[name])
    built = lab.shelf.built
    lab.controls["recipe"].value = "pytorch"  # back: nothing laid out again
    np.testing.assert_array_equal(shown(lab), first)
    lab.controls["recipe"].value = "mxnet"
    lab.set(lr=0.02)
    assert lab.shelf.built == built and lab.run.recipe.lr == 0.02
    assert len(lab.figure.axes) == len(lab.panels.figure.axes)  # one recipe's axes on the figure at a time


def test_the_other_recipes_are_laid_out_while_the_lab_is_idle():
    async def idle():
        lab = rw.Lab("caffe2", display="screen", seed=5)
        open_page(lab)
        before = shown(lab)
        await asyncio.sleep(IDLE * 3.5)
        assert all(lab.shelf.has(r, lab.fitted) for r in rw.RECIPES.values())
        np.testing.assert_array_equal(shown(lab), before)  # laying out ahead changed nothing on show
        built = lab.shelf.built
        lab.controls["recipe"].value = "mxnet"
        assert lab.shelf.built == built  # the switch laid out nothing
        other = rw.Lab("mxnet", display="screen", seed=5)
        open_page(other)
        np.testing.assert_array_equal(shown(lab), shown(other))

    asyncio.run(idle())


def test_no_layout_ahead_without_a_recipe_menu_or_a_page():
    async def idle():
        side = rw.SideBySide(display="screen")
        for lab in side.labs.values():
            open_page(lab, 277)
        unseen = rw.Lab("pytorch", display="screen")  # no browser shows it
        unseen.set(lr=0.02)
        await asyncio.sleep(IDLE * 1.5)
        for lab in [*side.labs.values(), unseen]:
            others = [r for r in rw.RECIPES.values() if r is not lab.state.tutorial]
            assert not any(lab.shelf.has(r, lab.fitted) for r in others)

    asyncio.run(idle())


def test_after_a_new_seed_the_kept_panels_are_drawn_again_for_it():
    async def idle():
        lab = rw.Lab("pytorch", display="screen")
        open_page(lab)
        await asyncio.sleep(IDLE * 3)
        mxnet = rw.RECIPES["mxnet"]
        assert lab.shelf.ready(mxnet, lab.fitted, (0, False, "follow"))
        lab.set(seed=7)
        assert not lab.shelf.ready(mxnet, lab.fitted, (7, False, "follow"))
        await asyncio.sleep(IDLE * 3)
        assert lab.shelf.ready(mxnet, lab.fitted, (7, False, "follow"))
        lab.controls["recipe"].value = "mxnet"
        other = rw.Lab("mxnet", display="screen", seed=7)
        open_page(other)
        np.testing.assert_array_equal(shown(lab), shown(other))

    asyncio.run(idle())


def run_ahead(lab, steps=None) -> int:
    """Take the steps of laying out ahead by hand (no event loop): all of them, or ``steps``; how many taken."""
    ahead, taken = lab.ahead, 0
    while (ahead._wanted() is not None or ahead._job is not None) and (steps is None or taken < steps):
        ahead._step()
        taken += 1
    return taken


@pytest.mark.parametrize("width", [700, 1100])
def test_kept_panels_drawn_for_another_seed_show_the_new_one_exactly(width):
    """A kept set's cached pixels under a neighbour's region (a frameless legend over the next panel's tick labels,
    the parameters' end labels by the learning rate's) are taken afresh: the switch draws what a fresh Lab draws."""
    lab = rw.Lab("pytorch", display="screen", seed=3)
    open_page(lab, width)
    shown(lab)
    lab.controls["recipe"].value = "caffe2"
    shown(lab)
    lab.controls["recipe"].value = "pytorch"
    lab.set(seed=7)
    shown(lab)
    lab.controls["recipe"].value = "caffe2"
    other = rw.Lab("caffe2", display="screen", seed=7)
    open_page(other, width)
    np.testing.assert_array_equal(shown(lab), shown(other))


@pytest.mark.parametrize("width", [516, 1100])
def test_a_layout_ahead_cut_short_by_a_change_leaves_every_set_exact(width):
    """Laying out ahead goes in steps; a change drops the layout under way wherever it is. Whatever step it was cut
    at, a switch to each other recipe then draws exactly what a fresh Lab draws."""
    fresh = {}
    for name in ("caffe2", "mxnet"):
        other = rw.Lab(name, display="screen", seed=7)
        open_page(other, width)
        fresh[name] = shown(other)
    lab = rw.Lab("pytorch", display="screen", seed=3)
    open_page(lab, width)
    shown(lab)
    total = run_ahead(lab)  # both others laid out, for seed 3
    assert total > 6 and all(lab.shelf.has(r, lab.fitted) for r in rw.RECIPES.values())
    lab.set(seed=7)
    shown(lab)
    ahead_again = run_ahead(lab)  # both drawn again for seed 7, in steps
    cut_short = 0
    for cut in range(0, ahead_again, 2):
        lab.set(seed=3)
        shown(lab)
        run_ahead(lab)
        lab.set(seed=7)
        shown(lab)
        run_ahead(lab, cut)
        cut_short += lab.ahead._job is not None
        lab.set(lr=0.02)  # a slider moves: the layout under way is dropped
        assert lab.ahead._job is None
        shown(lab)
        for name in ("caffe2", "mxnet"):
            lab.controls["recipe"].value = name
            np.testing.assert_array_equal(shown(lab), fresh[name], err_msg=f"cut after {cut} steps: {name}")
        lab.controls["recipe"].value = "pytorch"
    assert cut_short >= len(range(0, ahead_again, 2)) - 2  # (the first cut, 0 steps, has no layout under way)
