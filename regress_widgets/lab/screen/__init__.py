"""The screen: how a Lab's figure reaches the page (frames of changed boxes, the widget and its JavaScript), play in
the kernel, pacing, kept panels. May import panels and the floors below; nothing else of the lab.
"""


def __getattr__(name):  # Screen imports anywidget: only when asked for (ipympl and headless Labs never are)
    if name == "Screen":
        from .widget import Screen

        return Screen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
