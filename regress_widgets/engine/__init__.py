"""The engine: SGD and the other optimizers on a recipe's data, one run or many at once, numpy or cupy, vectorised
or compiled. May import recipes and theory; never matplotlib, ipywidgets or a framework.

    train.py          train and Run: one run, its θ, loss and lr per step, and its verdict
    sgd.py            the update loop: vectorised over runs, or compiled per example (compiled.py, numba)
    optimizers.py     Rule: plain SGD, heavy ball, Nesterov, Adam, each framework's convention a field
    sweep.py          sweep: many runs at once, in threads
    stability_map.py  stability_map: lr × batch size, many seeds, what each run did
    memory.py         what a run will cost in bytes, checked before it is made
"""
