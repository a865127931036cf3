"""The classroom: an exercise's rules on a Lab (fixed settings, hidden controls, a task), predict then reveal, and the
answers the engine gives. May import the lab's controls and screen rooms, url_state, and every floor below the lab.
"""
