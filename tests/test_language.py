"""A Lab in 简体中文 or 繁體中文: every widget text and every figure text in that language, the figure drawn with a
CJK font (no "Glyph missing" warnings: warnings are errors here), and without such a font one message and an
English figure. The language travels with the state and the link; a bad one is refused naming ``language``.

The font is Debian's fonts-noto-cjk (``bash .ci/test`` installs it; binder/apt.txt too): without it the tests
that draw Chinese fail saying so.
"""

from __future__ import annotations

import re
import warnings

import ipywidgets as W
import matplotlib
import pytest
from matplotlib.text import Text

import regress_widgets as rw
from regress_widgets import words
from regress_widgets.lab.side_by_side import SideBySide
from regress_widgets.panels import font
from regress_widgets.recipes.tutorials import RECIPES, InvalidSetting

NAMES = {"SGD", "Adam", "Nesterov", "PNG", "MXNet", "PyTorch", "Caffe2", "float32", "float64", "mean", "std",
         "λmax", "sgd", "nesterov", "adam", "torch", *rw.recipes.settings.TABLE}
"""Words that stay as they are in Chinese text: names of frameworks and optimizers, the settings' names."""


@pytest.fixture(autouse=True)
def _errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "Glyph … missing from font(s)" warning fails the test
        yield


def _need_font(language):
    family = font.find_font(language)
    assert family is not None, (f"no CJK font for {language}: install Debian's fonts-noto-cjk "
                                "(`sudo apt-get install -y fonts-noto-cjk`; bash .ci/test does it)")
    return family


def _english(text: str, allowed=()) -> list[str]:
    """English words (4+ letters) in ``text`` outside tags, fields and the allowed names."""
    text = re.sub(r"<[^>]*>", " ", text)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9_.']{3,}", text) if w.strip(".'") not in NAMES | set(allowed)]


def _widget_texts(widget) -> list[str]:
    out = []
    for name in ("description", "tooltip", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            out.append(value)
    if isinstance(widget, W.HTML) and not widget.value.startswith("<style>"):
        out.append(widget.value)
    if isinstance(widget, (W.Dropdown, W.ToggleButtons)):
        out += [str(label) for label in widget._options_labels]
    for child in getattr(widget, "children", ()):
        out += _widget_texts(child)
    return out


def _figure_texts(figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text)
            if t.get_text() and t.get_visible() and not t.get_text().startswith("$")]  # not a mathtext tick


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_a_chinese_lab_shows_no_english_in_its_widgets_nor_its_figure(language):
    _need_font(language)
    lab = rw.Lab("caffe2", display="none", language=language)
    lab.pin()
    lab.set(lr=3.0)  # past the limit: the alarm, the refusal-free warnings, the diverged status
    allowed = {lab.state.tutorial.title, *(r.title for r in RECIPES.values())}
    allowed = {w for title in allowed for w in re.findall(r"[A-Za-z]+", title)}
    found = {t: _english(t, allowed) for t in _widget_texts(lab)}
    assert not {t: e for t, e in found.items() if e}, "English left in the Lab's widgets"
    lab.draw()
    found = {t: _english(t, allowed) for t in _figure_texts(lab.figure)}
    assert not {t: e for t, e in found.items() if e}, "English left in the figure"
    assert any(re.search(r"[\u4e00-\u9fff]", t) for t in _figure_texts(lab.figure))


@pytest.mark.parametrize(("language", "layout", "settings"), [
    ("zh-Hans", "full", {}), ("zh-Hant", "full", {"optimizer": "adam"}),
    ("zh-Hans", "compact", {"momentum": 0.9}), ("zh-Hant", "compact", {"lr": 0.9}),
])
def test_the_chinese_figures_draw_every_glyph(language, layout, settings, tmp_path):
    """Warnings are errors: a glyph the font lacks would fail the draw and the save."""
    family = _need_font(language)
    before = dict(matplotlib.rcParams)
    lab = rw.Lab("pytorch" if layout == "full" else "mxnet", display="none", layout=layout, language=language,
                 **settings)
    lab.pin()
    lab.set(real=True)
    lab.draw()
    assert lab.panels.contour.ax.title.get_fontfamily() == [font.LATIN, family]
    assert lab.save(tmp_path / "lab.png").stat().st_size > 10_000
    assert dict(matplotlib.rcParams) == before, "the Lab's font must not change the global rcParams"


def test_without_a_cjk_font_it_says_so_once_and_draws_english(monkeypatch, tmp_path):
    font.forget()
    monkeypatch.setattr(font, "_known", set)  # font_manager knows no font …
    monkeypatch.setattr(font.font_manager, "findSystemFonts", lambda *a, **k: [])  # … and there is none on disk
    try:
        with pytest.warns(font.NoChineseFont, match="no font with Chinese glyphs found .* drawn in English"):
            lab = rw.Lab("caffe2", display="none", language="zh-Hans")
        again = rw.Lab("mxnet", display="none", language="zh-Hant", layout="compact")  # said once: no warning
        assert lab.panels.contour.ax.get_title() == "Loss contours and the SGD path"
        assert lab.panels.layout.language == "en" and again.panels.layout.language == "en"
        assert lab.controls["pin"].description == words.word("zh-Hans", "pin this run")  # the widgets stay Chinese
        lab.set(real=True)  # the real run's legend entry: the figure's language, English
        assert lab.panels.reference_label.startswith("real ")
        lab.save(tmp_path / "lab.png")  # no glyph warnings: nothing Chinese is drawn
        assert not [t for t in _figure_texts(lab.figure) if re.search(r"[\u4e00-\u9fff]", t)]
    finally:
        font.forget()


def test_the_installed_font_is_found():
    assert _need_font("zh-Hans") == "Noto Sans CJK SC"
    assert _need_font("zh-Hant") == "Noto Sans CJK TC"
    assert font.find_font("en") is None


def test_the_language_travels_with_the_state_and_the_link(tmp_path):
    lab = rw.Lab("pytorch", display="none", language="zh-Hant", lr=0.03)
    state = lab.state_dict()
    assert state["language"] == "zh-Hant"
    again = rw.Lab.from_state(state, display="none")
    assert again.state.language == "zh-Hant"
    assert again.controls["reset"].description == lab.controls["reset"].description
    assert rw.Lab.load_state(lab.save_state(tmp_path / "s.json"), display="none").state.language == "zh-Hant"
    linked = rw.Lab.from_url("recipe=mxnet&language=zh-Hant&lr=0.1", display="none")
    assert linked.state.language == "zh-Hant" and linked.state_dict()["language"] == "zh-Hant"
    with pytest.raises(InvalidSetting, match="language must be one of en, zh-Hans, zh-Hant, got 'fr'"):
        rw.Lab.from_state({"language": "fr"}, display="none")
    with pytest.raises(InvalidSetting, match="language must be one of en, zh-Hans, zh-Hant, got 'zh'"):
        rw.Lab.from_url("language=zh", display="none")
    with pytest.raises(InvalidSetting, match="language must be one of"):
        rw.Lab(display="none", language="ZH-hans")


def test_the_package_default_is_the_environment_variable(monkeypatch):
    monkeypatch.setenv(words.ENV, "zh-Hans")
    assert rw.Lab(display="none").state.language == "zh-Hans"
    assert rw.Lab(display="none", language="en").controls["pin"].description == "pin this run"
    assert rw.Lab.from_state({"recipe": "caffe2"}, display="none").state.language == "zh-Hans"
    monkeypatch.setenv(words.ENV, "klingon")
    with pytest.raises(InvalidSetting, match="REGRESS_WIDGETS_LANGUAGE must be one of en, zh-Hans, zh-Hant"):
        rw.Lab(display="none")
    monkeypatch.delenv(words.ENV)
    assert rw.Lab(display="none").state.language == "en"


def test_refusals_next_to_the_controls_are_in_the_language():
    lab = rw.Lab("caffe2", display="none", language="zh-Hans")
    lab.binding.heard("lr", {"new": 50.0})
    assert lab.message.startswith("已拒绝：lr 必须是") and not _english(lab.message)
    lab.typed["batch_size"].value = "abc"
    assert lab.message.startswith("已拒绝")


def test_side_by_side_and_exercises_in_chinese():
    _need_font("zh-Hant")
    side = SideBySide(display="none", language="zh-Hant")
    assert {lab.state.language for lab in side.labs.values()} == {"zh-Hant"}
    allowed = {w for r in RECIPES.values() for w in re.findall(r"[A-Za-z]+", r.title)}
    found = {t: _english(t, allowed) for t in _widget_texts(side)}
    assert not {t: e for t, e in found.items() if e}, "English left in SideBySide"
    ex = rw.Exercises(rw.Exercise(recipe="caffe2", task="找出最大的稳定学习率"), display="none", language="zh-Hans")
    assert ex.lab.state.language == "zh-Hans" and ex.next_button.description == "下一个"


def test_a_stability_map_of_a_chinese_lab_is_in_chinese(tmp_path):
    family = _need_font("zh-Hans")
    before = dict(matplotlib.rcParams)
    lab = rw.Lab("caffe2", display="none", language="zh-Hans")
    smap = lab.stability_map(n=6, seeds=2, background=False)
    assert smap.progress.description == words.word("zh-Hans", "done")
    smap.figure.savefig(tmp_path / "map.png")  # every glyph drawn: warnings are errors
    assert smap.panel.ax.title.get_fontfamily() == [font.LATIN, family]
    allowed = {w for w in re.findall(r"[A-Za-z]+", lab.state.tutorial.title)}
    found = {t: _english(t, allowed) for t in _figure_texts(smap.figure) + _widget_texts(smap)}
    assert not {t: e for t, e in found.items() if e}, "English left in the stability map"
    assert dict(matplotlib.rcParams) == before


def test_a_lab_on_your_own_data_in_chinese(tmp_path):
    _need_font("zh-Hant")
    data = rw.from_data([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0], [5.0, 6.0]], [1.0, 2.0, 4.0, 4.5, 6.0],
                        feature_names=["x1", "x2"], target_name="y", like="pytorch")
    lab = rw.Lab(data, display="none", language="zh-Hant")
    lab.set(standardize=True)
    lab.save(tmp_path / "own.png")  # every glyph drawn
    allowed = {"pytorch", "own_data", *lab.recipe.param_names,
               *(w for r in RECIPES.values() for w in re.findall(r"[A-Za-z0-9]+", r.title))}
    found = {t: _english(t, allowed) for t in _figure_texts(lab.figure) + _widget_texts(lab)}
    assert not {t: e for t, e in found.items() if e}, "English left in a Lab on your own data"


def test_a_prediction_in_chinese():
    lab = rw.Lab("caffe2", display="none", language="zh-Hans", predict={"kind": "choice"})
    prediction = lab.classroom.prediction
    assert prediction.question_box.value == f"<b>预测：</b> {words.word('zh-Hans', 'How will this run end?')}"
    allowed = {w for r in RECIPES.values() for w in re.findall(r"[A-Za-z0-9]+", r.title)}
    found = {t: _english(t, allowed) for t in _widget_texts(lab)}
    assert not {t: e for t, e in found.items() if e}, "English left in a Lab with a prediction"
    prediction.predict("diverges")
    prediction.commit()
    assert prediction.try_again_button.description == "再试一次"
    assert not _english(prediction.result_box.value), prediction.result_box.value
