"""Exercises (issue 16, items 2 and 3): fixed and hidden controls, the task, the exercise file, and predict-then-reveal
driven headless (a click on the Lab's screen, the commit, the distance the readout shows)."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import regress_widgets as rw  # noqa: E402
from regress_widgets.lab.exercises import EXAMPLES, Exercise, load_exercises  # noqa: E402
from regress_widgets.recipes.tutorials import InvalidSetting  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error")

EXERCISE = {"title": "t", "recipe": "pytorch", "task": "Find the largest lr that converges.", "seed": 1,
            "settings": {"lr": 0.05}, "fixed": {"noise": 0.5}, "hidden": ["gamma", "stepsize"],
            "predict": {"kind": "number", "answer": "first_diverging_lr", "tolerance": 0.1}}


def write(tmp_path, data, name="ex.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def with_change(where: str, value):
    """EXERCISE in a file, with the field at ``where`` (dotted path) set to ``value`` (None: removed)."""
    data = json.loads(json.dumps(EXERCISE))
    *parents, last = where.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return {"exercises": [data]}


# ---------------------------------------------------------------------------------------------- the file
def test_the_shipped_examples_load_and_make_labs():
    assert {"largest_lr", "predict_tour"} <= {p.stem for p in EXAMPLES.glob("*.json")}
    (ex,) = load_exercises("largest_lr")
    assert ex.recipe == "pytorch" and ex.fixed == {"noise": 0.5} and ex.hidden == ("gamma", "stepsize")
    assert ex.predict.kind == "number" and ex.predict.answer == "first_diverging_lr"
    tour = rw.Exercises("predict_tour", display="none")
    assert [e.predict.kind for e in tour.exercises] == ["point", "choice"]


def test_the_examples_ship_as_package_data():
    from pathlib import Path

    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert re.search(r'^"regress_widgets.lab.classroom" = \["examples/\*\.json"\]', pyproject, re.M)


def test_a_valid_file_round_trips(tmp_path):
    (ex,) = load_exercises(write(tmp_path, {"title": "x", "exercises": [EXERCISE]}))
    assert ex.seed == 1 and ex.settings == {"lr": 0.05} and ex.task == EXERCISE["task"]
    (single,) = load_exercises(write(tmp_path, EXERCISE, "one.json"))  # a file may be one exercise
    assert single == ex


def test_yaml_files_are_read_when_pyyaml_is_there(tmp_path):
    yaml = pytest.importorskip("yaml")
    (ex,) = load_exercises(write(tmp_path, yaml.safe_dump({"exercises": [EXERCISE]}), "ex.yaml"))
    assert ex.fixed == {"noise": 0.5}


BAD = [
    ("nosie", "exercises[0].nosie", {"nosie": 1}),  # an unknown key of an exercise
    ("recipe", "exercises[0].recipe", "keras"),
    ("task", "exercises[0].task", None),  # required
    ("seed", "exercises[0].seed", -1),
    ("fixed.nosie", "exercises[0].fixed.nosie", 0.5),
    ("fixed.noise", "exercises[0].fixed.noise", "a lot"),
    ("fixed.noise", "exercises[0].fixed.noise", 1000.0),
    ("fixed.batch_size", "exercises[0].fixed.batch_size", 51),  # the dataset has 50 examples
    ("settings.lr", "exercises[0].settings.lr", 0),
    ("settings.noise", "exercises[0].settings.noise", 0.7),  # noise is fixed
    ("settings.momentum", "exercises[0].settings.momentum", 1.0),
    ("hidden", "exercises[0].hidden[1]", ["gamma", "gama"]),
    ("hidden", "exercises[0].hidden", "gamma"),
    ("predict.kind", "exercises[0].predict.kind", "guess"),
    ("predict.answer", "exercises[0].predict.answer", "lr_max"),
    ("predict.tolerance", "exercises[0].predict.tolerance", 0),
    ("predict.tolerance", "exercises[0].predict.tolerance", 2),
    ("predict.choices", "exercises[0].predict.choices", ["converges"]),  # not a choice question
]


@pytest.mark.parametrize("where, named, value", BAD)
def test_a_wrong_key_or_value_is_an_error_naming_it(tmp_path, where, named, value):
    with pytest.raises(InvalidSetting) as err:
        load_exercises(write(tmp_path, with_change(where, value)))
    assert str(err.value).startswith(f"ex.json: {named} must be "), str(err.value)


@pytest.mark.parametrize("predict, named", [
    ({"kind": "choice", "choices": ["converges", "wobbles"]}, "predict.choices"),
    ({"kind": "choice", "choices": ["diverges", "diverges"]}, "predict.choices"),
    ({"kind": "point", "step": 10_000}, "predict.step"),  # pytorch runs 175 steps
    ({"kind": "point", "step": 2.5}, "predict.step"),
    ({"kind": "point", "tolerance": 0.1}, "predict.tolerance"),  # a number question's key
])
def test_wrong_questions_are_named(tmp_path, predict, named):
    with pytest.raises(InvalidSetting, match=re.escape(f"exercises[0].{named} must be")):
        load_exercises(write(tmp_path, with_change("predict", predict)))


def test_file_level_errors(tmp_path):
    with pytest.raises(InvalidSetting, match=r"ex.json: exercise must be"):
        load_exercises(write(tmp_path, [EXERCISE]))  # a bare list: not a file of exercises
    with pytest.raises(InvalidSetting, match=r"ex.json: titel must be left out"):
        load_exercises(write(tmp_path, {"titel": "x", "exercises": [EXERCISE]}))
    with pytest.raises(InvalidSetting, match=r"ex.json: exercises must be a list of one or more"):
        load_exercises(write(tmp_path, {"exercises": []}))
    with pytest.raises(ValueError, match=r"ex.json: not valid JSON at line 1"):
        load_exercises(write(tmp_path, '{"exercises": [}'))
    with pytest.raises(ValueError, match=r"the key 'task' appears twice"):
        load_exercises(write(tmp_path, '{"recipe": "pytorch", "task": "a", "task": "b"}'))
    with pytest.raises(ValueError, match=r"ends in .json, .yaml, .yml"):
        load_exercises(write(tmp_path, "{}", "ex.txt"))
    with pytest.raises(FileNotFoundError, match="largest_lr"):
        load_exercises(tmp_path / "missing.json")


def test_an_exercise_made_in_python_is_checked_too():
    with pytest.raises(InvalidSetting, match=r"Exercise.fixed.noise must be a number in \[0, 100\]"):
        Exercise(recipe="pytorch", task="t", fixed={"noise": -1})
    with pytest.raises(InvalidSetting, match=r"Exercise.hidden\[0\] must be one of"):
        Exercise(recipe="pytorch", task="t", hidden=["nothing"])


# ---------------------------------------------------------------------------------------------- fixed, hidden, task
def test_fixed_settings_run_show_disabled_and_refuse_changes():
    lab = rw.Lab("pytorch", display="none", fixed={"noise": 0.5}, hidden=["gamma", "stepsize"], task="Do it.")
    assert lab.recipe.noise == 0.5 and lab.run.recipe.noise == 0.5
    assert lab.controls["noise"].disabled and lab.typed["noise"].disabled
    assert "fixed by the exercise" in lab.readouts.notes["noise"].value
    assert "0.5" in lab.readouts.notes["noise"].value
    with pytest.raises(InvalidSetting, match=r"noise must be 0.5: fixed by the exercise, got 0.7"):
        lab.set(noise=0.7)
    assert lab.recipe.noise == 0.5
    lab.controls["noise"].value = 0.9  # a widget pushed anyway: put back, the reason under its row
    assert lab.recipe.noise == 0.5 and lab.controls["noise"].value == 0.5
    assert "fixed by the exercise" in lab.readouts.notes["noise"].value and "Refused" in lab.message
    lab.set(lr=0.02)  # what is not fixed moves
    lab.reset()  # back to the tutorial's values, the fixed ones staying
    assert lab.recipe.lr == rw.RECIPES["pytorch"].lr and lab.recipe.noise == 0.5
    with pytest.raises(InvalidSetting, match="recipe must be pytorch: fixed"):
        lab.set(recipe="mxnet")
    with pytest.raises(InvalidSetting, match="real must be False"):
        lab.set(real=True)
    for name in ("gamma", "stepsize"):  # (one way of hiding, with links': url_state.hide_controls)
        assert "rw-hidden" in lab.controls[name]._dom_classes and "rw-hidden" in lab.typed[name]._dom_classes
    assert "rw-hidden" not in lab.controls["lr"]._dom_classes and lab.hidden == ("gamma", "stepsize")
    assert "Do it." in lab.classroom.task_box.value and lab.children[0] is lab.classroom.task_box


def test_hidden_rows_stay_hidden_when_the_lab_would_show_them():
    lab = rw.Lab("caffe2", display="none", hidden=["momentum"])
    lab.set(optimizer="nesterov", momentum=0.5)  # nesterov uses momentum: the Lab would show its row
    assert "rw-hidden" in lab.controls["momentum"]._dom_classes


def test_a_fixed_value_given_twice_must_agree():
    with pytest.raises(InvalidSetting, match="noise must be 0.5: fixed"):
        rw.Lab("pytorch", display="none", fixed={"noise": 0.5}, noise=0.7)
    with pytest.raises(InvalidSetting, match=r"fixed.nosie must be left out"):
        rw.Lab("pytorch", display="none", fixed={"nosie": 0.5})
    lab = rw.Lab("pytorch", display="none", fixed={"seed": 3, "lr": 0.02})
    assert lab.seed == 3 and lab.controls["seed"].disabled and lab.recipe.lr == 0.02
