"""The Lab's state and controls: every setting in one traitlets owner, the sliders and boxes bound to it, what a
change means (resolve), the runs it computes, the readouts. May import the screen room and every floor below the lab.
"""
