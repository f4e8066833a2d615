"""Issue 13's budget, for both benchmarks (`bench.load` judges it, `bench.run` shows it).

Each action: the floor it is measured against and the multiple of that allowed. "editor"
is a bare view behind login and the change permission; "bare" is one without a login.
"""

BUDGET = {
    "dashboard, 10,000 plans": ("editor", 3.0),
    "tick a task": ("editor", 3.0),
    "status change": ("editor", 3.0),
    "large plan page after a change": ("editor", 15.0),
    "stakeholder poll (304)": ("bare", 1.5),
}
# The large plan's page, at most.
PAGE_BYTES = 300_000
