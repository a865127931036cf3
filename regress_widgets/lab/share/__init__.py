"""Sharing a Lab: its state as a dict, a file or a link (side by side too), and its pictures and animations.
May import the lab's controls, classroom and screen rooms, url_state, and every floor below the lab.
"""
