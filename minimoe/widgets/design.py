"""Lesson 14's design explorer: sliders for the schedule, depth, width and experts; the design's
parameters, cache at 1M tokens and estimated training time.

:func:`design_view` computes the lines to show for one setting of the controls
(:func:`minimoe.design.summarize_design`, or what to fix when the setting is not a valid
design); :func:`design_explorer` wraps it in sliders. The tests call :func:`design_view`.
"""

from __future__ import annotations

from minimoe.design import LIMITS, Plan, StageTimes, design_config, summarize_design

SCHEDULES = ("L", "LS", "LLLS", "LLLLLLLS", "S")
"""Layer patterns the explorer offers: all lightning, 1:1, 3:1, M1's 7:1, all softmax."""

WIDTHS = (32, 48, 64, 96, 128, 192, 256)


def design_view(choices: dict[str, int | str], plan: Plan, times: StageTimes) -> list[str]:
    """The explorer's text for ``choices`` (design choices, as for
    :func:`~minimoe.design.design_config`): the design's summary, ending with whether it fits
    the plan's budget, or one line saying what is wrong with it."""
    try:
        config = design_config(**choices)
    except ValueError as err:
        return [f"not a valid design: {err}"]
    return summarize_design(config, plan, times).lines()


def design_explorer(plan: Plan, times: StageTimes, **start: int | str):
    """Sliders over the design choices, starting from ``start`` (the ``tiny`` preset's values
    otherwise); each change reprints :func:`design_view`. Returns the ipywidgets container."""
    import ipywidgets as widgets

    from minimoe.widgets import show_in

    base = design_config(**start)
    controls = {
        "layer_pattern": widgets.Dropdown(
            options=list(dict.fromkeys((base.layer_pattern, *SCHEDULES))),
            value=base.layer_pattern,
            description="schedule",
        ),
        "num_layers": widgets.IntSlider(
            value=base.num_layers,
            min=LIMITS["num_layers"][0],
            max=LIMITS["num_layers"][1],
            description="layers",
        ),
        "hidden_size": widgets.SelectionSlider(
            options=sorted({base.hidden_size, *WIDTHS}),
            value=base.hidden_size,
            description="width",
        ),
        "num_experts": widgets.IntSlider(
            value=base.num_experts, min=1, max=LIMITS["num_experts"][1], description="experts"
        ),
        "top_k": widgets.IntSlider(
            value=base.top_k, min=1, max=LIMITS["top_k"][1], description="top-k"
        ),
        "expert_hidden": widgets.IntSlider(
            value=base.expert_hidden, min=16, max=256, step=16, description="expert width"
        ),
    }
    output = widgets.Output()

    def redraw(_change=None) -> None:
        choices = {**start, **{name: control.value for name, control in controls.items()}}
        show_in(output, ["\n".join(design_view(choices, plan, times))])

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox(
        [
            widgets.HBox(list(controls.values())[:3]),
            widgets.HBox(list(controls.values())[3:]),
            output,
        ]
    )
