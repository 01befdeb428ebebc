"""The book's figures: one function per kind of plot, each returning a ``matplotlib.figure.Figure``.

Call ``use_book_style()`` once at the top of a chapter. The figures are built with
``matplotlib.figure.Figure`` directly, not through ``pyplot``, so nothing shows or leaks behind
your back: a figure appears where you display it — as the last expression of a notebook cell,
with ``IPython.display.display(fig)``, or through ``myst_nb.glue(name, fig)`` — and is freed
with its last reference. Save one with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

import numpy as np

__all__ = [
    "use_book_style",
    "fit_to_page",
    "readable_on_a_phone",
    "retina_png",
    "legend_below",
    "compare_lines",
    "training_curves",
    "activation_grid",
    "gradient_norms",
    "regularization_sweep",
    "decision_boundary",
    "misclassified_digits",
    "backprop_diagram",
]

STYLE_FILE = "book.mplstyle"
# A cell's output area in the book is about 670 CSS pixels wide (sphinx-book-theme 1.3 in a
# 1280-pixel window; tests/browser checks figures against the width they are shown at). A figure
# is drawn at 100 pixels per inch, at most this wide, and the notebook's "retina" PNG doubles that:
# sharp on a 2x screen, no heavier than that.
PAGE_WIDTH_PX = 672
SCREEN_DPI = 100
# On a 390-pixel phone the same column is 342 pixels wide (measured), and a figure shrinks to fit
# it. Its smallest text must still be at least PHONE_TEXT_PX tall there: a figure W inches wide
# (as saved, legends and labels included) needs text of at least PHONE_TEXT_PX * W * 72 /
# PHONE_WIDTH_PX points (about 12.6 points for the default 6.4 inches).
PHONE_WIDTH_PX = 340
PHONE_TEXT_PX = 9.3
# The PNG text chunk that says how tall (in the PNG's pixels) a figure's smallest text is; the book's
# build copies it into the page so that its browser check can measure the text as shown.
FIGURE_TEXT_KEY = "scratchnn:smallest-text-px"


def use_book_style():
    """Apply the book's matplotlib style (``book.mplstyle``) and, in IPython, high-DPI inline figures.

    White opaque backgrounds (figures stay legible on a dark page), the Okabe–Ito colour-blind-safe
    cycle, font sizes that stay readable when a figure of the default width is shrunk to a phone's
    width, constrained layout, 100 dpi on screen (``fit_to_page`` lowers it for figures wider than
    the column) doubled by the ``retina`` inline format (``retina_png``), and 200 dpi when saved.
    Calling it again changes nothing.
    """
    import matplotlib.style

    with resources.as_file(resources.files("scratchnn") / STYLE_FILE) as path:
        matplotlib.style.use(path)
    _use_retina_inline_figures()


def _use_retina_inline_figures():
    """Ask the IPython inline backend for double-resolution PNGs, if we run inside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import InlineBackend, set_matplotlib_formats

    # Set the backend's configuration too: the inline backend re-selects its configured formats
    # when pyplot activates it later, which would otherwise undo set_matplotlib_formats.
    InlineBackend.instance().figure_formats = {"retina"}
    set_matplotlib_formats("retina")
    from matplotlib.figure import Figure

    # Then our own retina PNG: the same pixels, with text no phone shrinks below PHONE_TEXT_PX.
    get_ipython().display_formatter.formatters["image/png"].for_type(Figure, retina_png)


def _texts(fig):
    from matplotlib.text import Text

    return fig.findobj(lambda artist: isinstance(artist, Text) and artist.get_visible()
                       and artist.get_text().strip() != "")


def _saved_width_inches(fig):
    """How wide ``fig`` comes out of ``savefig(bbox_inches="tight")``, legends and padding included."""
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    return int.from_bytes(buffer.getvalue()[16:20], "big") / fig.dpi  # the PNG header's width


def readable_on_a_phone(fig):
    """Raise every text of ``fig`` smaller than a phone can show to the smallest size it can; return that
    smallest size in points.

    A figure ``W`` inches wide is shrunk to ``PHONE_WIDTH_PX`` pixels on a phone, so its text must be
    at least ``PHONE_TEXT_PX * W * 72 / PHONE_WIDTH_PX`` points (about 12.6 for the default 6.4
    inches; a narrower figure may use smaller text). ``W`` is the width the figure is saved at
    (``bbox_inches="tight"``: with whatever sticks out, such as a wide legend), measured again
    after the text grows. Texts at or above that size are left alone.
    """
    needed = 0.0
    for _ in range(5):
        width = _saved_width_inches(fig)  # drawn: tick labels exist, with their final texts
        if PHONE_TEXT_PX * width * 72 / PHONE_WIDTH_PX <= needed + 0.05:
            break
        needed = PHONE_TEXT_PX * width * 72 / PHONE_WIDTH_PX
        for ax in fig.axes:
            for axis, labels in (("x", ax.get_xticklabels(which="both")), ("y", ax.get_yticklabels(which="both"))):
                if any(label.get_fontsize() < needed for label in labels if label.get_text().strip()):
                    ax.tick_params(axis=axis, which="both", labelsize=needed)
        for text in _texts(fig):
            if text.get_fontsize() < needed:
                text.set_fontsize(needed)
    return min((text.get_fontsize() for text in _texts(fig)), default=needed)


def retina_png(fig):
    """IPython's retina PNG of ``fig`` (twice the pixels of its size on screen), after
    ``readable_on_a_phone``, with the smallest text's height in the PNG's pixels recorded in the
    PNG under ``FIGURE_TEXT_KEY``. Returns ``(base64 PNG, {"width", "height"})`` as IPython's own
    retina formatter does, or None for an empty figure."""
    from IPython.core.pylabtools import retina_figure

    if not fig.axes and not fig.lines:
        return None
    smallest_pt = readable_on_a_phone(fig)
    png_dpi = 2 * fig.dpi
    return retina_figure(fig, base64=True, metadata={FIGURE_TEXT_KEY: f"{smallest_pt * png_dpi / 72:.1f}"})


def fit_to_page(fig):
    """Draw ``fig`` at most ``PAGE_WIDTH_PX`` pixels wide on screen, whatever its size in inches.

    The book style registers this as a pyplot figure hook (``figure.hooks``), so every figure made
    with ``plt.figure``/``plt.subplots`` gets it; the functions of this module call it too. Only the
    dots per inch change, never the layout: a figure wider than the text column would otherwise be
    rendered with pixels the browser throws away. Text in such a figure is still shown smaller
    than its point size says; keep figures at most ``PAGE_WIDTH_PX / SCREEN_DPI`` inches wide.
    """
    fig.set_dpi(min(SCREEN_DPI, PAGE_WIDTH_PX / fig.get_figwidth()))
    return fig


def legend_below(fig, ax=None, *, ncols=None):
    """One legend for the whole figure, centred below the axes, instead of one over the curves.

    Collects the labelled lines of ``ax`` (default: the figure's first axes holding labels; pass
    the axes when panels repeat the same labels), removes that axes' own legend, and lays the
    entries out in at most ``ncols`` columns (default four), fewer when a row of long labels would
    be wider than the figure.
    """
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    sources = [ax] if ax is not None else [a for a in fig.axes if a.get_legend_handles_labels()[1]][:1]
    if not sources:
        raise ValueError("legend_below: no axes of this figure has a labelled artist")
    handles, labels = sources[0].get_legend_handles_labels()
    if sources[0].get_legend() is not None:
        sources[0].get_legend().remove()
    # An entry is its label (about 0.6 em a character) plus the line sample and gaps (about 4 em).
    em = FontProperties(size=rcParams["legend.fontsize"]).get_size_in_points()
    widest = max(len(line) for label in labels for line in label.splitlines()) * 0.6 * em + 4 * em
    fitting = max(1, int(fig.get_figwidth() * 72 // widest))
    return fig.legend(handles, labels, loc="outside lower center", ncols=min(ncols or 4, fitting, len(labels)))


# Dash pattern and marker per series of compare_lines: with the colour, no two series look alike,
# even printed in grey.
LINE_STYLES = [("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"), ((0, (6, 2, 1, 2)), "v"), ((0, (3, 1.5)), "P"),
               ((0, (1, 1.5)), "X")]


def compare_lines(x, series, *, ax=None, dodge=0.0, markers=8, **axes_settings):
    """One line per labelled series over a shared ``x``, drawn so that no series hides another.

    ``series`` maps label -> y values. Each series gets its own colour, dash pattern and marker.
    Series that coincide (ReLU's derivative and leaky ReLU's for positive inputs; two runs that
    train alike) stay visible: on a long ``x`` the markers are staggered (about ``markers`` per
    series, each series marking different points), and ``dodge`` (for a few discrete x, such as
    epochs) shifts series ``i`` sideways by ``(i - (n - 1) / 2) * dodge``. ``axes_settings`` go
    to ``ax.set`` (``xlabel``, ``ylim``, ``title``, ...). Without ``ax`` a new figure is made, with
    the legend below the axes; with ``ax``, the caller places the legend (``legend_below``).
    Returns the figure.
    """
    if not isinstance(series, Mapping) or not series:
        raise ValueError("compare_lines: expected a non-empty mapping label -> y values")
    x = np.asarray(x, dtype=float)
    own = ax is None
    if own:
        fig, axes = _figure(1, 1)
        ax = axes[0, 0]
    count = len(series)
    step = max(1, len(x) // markers)
    for index, (label, y) in enumerate(series.items()):
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"compare_lines: series {label!r} has shape {y.shape}, x has {x.shape}")
        linestyle, marker = LINE_STYLES[index % len(LINE_STYLES)]
        ax.plot(x + (index - (count - 1) / 2) * dodge, y, linestyle=linestyle, marker=marker,
                markevery=(index * step // count, step) if step > 1 else None, markersize=6,
                color=f"C{index % 7}", label=label)
    ax.set(**axes_settings)
    if own:
        legend_below(fig, ax, ncols=min(3, count))
    return ax.figure


def _figure(nrows=1, ncols=1, *, figsize=None, **subplot_kw):
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fit_to_page(fig), axes


def _histories(histories):
    """Accept one History or a mapping ``label -> History``; return a list of ``(label, History)``."""
    if isinstance(histories, Mapping):
        if not histories:
            raise ValueError("training_curves: got an empty mapping of histories")
        return list(histories.items())
    if not hasattr(histories, "train_loss"):
        raise TypeError(
            f"expected a History or a mapping label -> History, got {type(histories).__name__}"
        )
    return [(None, histories)]


def _epochs_axis(values):
    return np.arange(1, len(values) + 1)


def training_curves(histories, *, title=None, log_loss=False):
    """Loss and accuracy per epoch, train (solid) against validation (dashed).

    ``histories`` is a ``History`` or a mapping ``label -> History`` to compare runs (one colour
    per run). Loss is the top panel, accuracy the bottom one, sharing the epoch axis: stacked, both
    stay readable on a phone. The accuracy panel is left out when no run recorded accuracy. One
    legend for both panels, below them, where it covers no curve.
    """
    runs = _histories(histories)
    with_acc = any(h.train_acc or h.val_acc for _, h in runs)
    fig, axes = _figure(2 if with_acc else 1, 1, figsize=(6.4, 5.6) if with_acc else (6.4, 3.8), sharex=True)
    panels = [("loss", axes[0, 0])] + ([("acc", axes[1, 0])] if with_acc else [])
    for index, (label, history) in enumerate(runs):
        color = f"C{index % 7}"
        marker = LINE_STYLES[index % len(LINE_STYLES)][1]
        for metric, ax in panels:
            for split, style in (("train", "-"), ("val", "--")):
                values = np.asarray(getattr(history, f"{split}_{metric}"), dtype=float)
                if values.size == 0:
                    continue
                name = split if label is None else f"{label} ({split})"
                # Each run its own marker, at staggered epochs on long runs: runs that coincide both show.
                step = max(1, values.size // 10)
                ax.plot(_epochs_axis(values), values, style, color=color, marker=marker, markersize=4,
                        markevery=(index * step // len(runs), step), label=name)
    for metric, ax in panels:
        ax.set_ylabel("loss" if metric == "loss" else "accuracy")
        ax.xaxis.get_major_locator().set_params(integer=True)
    # The panels share the epoch axis: one label, under the bottom panel.
    panels[-1][1].set_xlabel("epoch")
    # Both panels show the same runs: one legend, under the panels.
    legend_below(fig, axes[0, 0], ncols=2 if len(runs) > 1 else None)
    if log_loss:
        axes[0, 0].set_yscale("log")
    if title:
        fig.suptitle(title)
    return fig


def _resolve_activations(activations):
    """Names -> ``(function, derivative)`` pairs from ``scratchnn.nn.activation`` (``name`` and ``name_grad``)."""
    if isinstance(activations, Mapping):
        return dict(activations)
    from .nn import activation as module

    resolved = {}
    for name in activations:
        function, derivative = getattr(module, name, None), getattr(module, f"{name}_grad", None)
        if function is None or derivative is None:
            raise ValueError(
                f"activation_grid: scratchnn.nn.activation has no {name!r} and {name + '_grad'!r}; "
                f"pass names like 'relu' or a mapping name -> (function, derivative)"
            )
        resolved[name] = (function, derivative)
    return resolved


def activation_grid(activations=("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu"), *, x=None, ncols=1):
    """One panel per activation: the function (solid) and its derivative (dashed) on the same axes.

    ``activations`` is a sequence of names from ``scratchnn.nn.activation`` (each with a ``name_grad``)
    or a mapping ``label -> (function, derivative)``. ``x`` defaults to 401 points on [-5, 5].
    The panels fill ``ncols`` columns (default one: a stack that stays readable on a phone); the
    figure is 6.4 inches wide whatever ``ncols`` is, so more columns make narrower panels.
    """
    functions = _resolve_activations(activations)
    if not functions:
        raise ValueError("activation_grid: no activations given")
    if ncols < 1:
        raise ValueError(f"activation_grid: ncols must be at least 1, got {ncols}")
    x = np.linspace(-5.0, 5.0, 401) if x is None else np.asarray(x, dtype=float)
    ncols = min(ncols, len(functions))
    nrows = -(-len(functions) // ncols)
    fig, axes = _figure(nrows, ncols, figsize=(6.4, (1.7 if ncols == 1 else 2.1) * nrows + 0.5), sharex=True)
    for ax, (name, (function, derivative)) in zip(axes.flat, functions.items()):
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        # A wide solid function under a thin dashed derivative: where they coincide, both show.
        ax.plot(x, function(x), color="C0", linewidth=3.5, label="f(x)")
        ax.plot(x, derivative(x), "--", color="C1", linewidth=1.8, label="f'(x)")
        ax.set_title(name)
    for ax in axes.flat[len(functions) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    legend_below(fig, axes[0, 0])
    return fig


def gradient_norms(norms, *, title=None, log=True, xlabel="layer (input → output)"):
    """Gradient norm per layer: ``norms`` maps layer name -> norm, or run label -> such a mapping.

    Vanishing gradients show as a line falling steeply towards the input layer (log scale).
    ``scratchnn.diagnostics.gradient_norms`` produces the per-layer mapping.
    """
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError("gradient_norms: expected a non-empty mapping layer -> norm (or label -> mapping)")
    runs = norms if all(isinstance(v, Mapping) for v in norms.values()) else {None: norms}
    fig, axes = _figure(1, 1)
    ax = axes[0, 0]
    for index, (label, per_layer) in enumerate(runs.items()):
        names = list(per_layer)
        values = np.asarray([per_layer[name] for name in names], dtype=float)
        # Own dash and marker, and shifted sideways a little: runs with equal norms stay visible.
        linestyle, marker = LINE_STYLES[index % len(LINE_STYLES)]
        shift = (index - (len(runs) - 1) / 2) * 0.08
        ax.plot(np.arange(len(names)) + shift, values, linestyle=linestyle, marker=marker,
                color=f"C{index % 7}", label=label)
        slanted = len(names) > 6 and max(len(str(name)) for name in names) > 3
        ax.set_xticks(np.arange(len(names)), names, rotation=45 if slanted else 0, ha="right" if slanted else "center")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm ‖∂L/∂W‖₂")
    if any(label is not None for label in runs):
        legend_below(fig, ax, ncols=min(3, len(runs)))
    if title:
        ax.set_title(title)
    return fig


def regularization_sweep(strengths, train_scores, test_scores, *, xlabel="regularization strength λ",
                         ylabel="accuracy", title=None, logx=True, labels=("train", "test")):
    """Train and test score against regularization strength, log x axis by default.

    The gap between the curves is overfitting; where both fall, the model underfits. A strength
    of 0 cannot sit on a log axis, so it is drawn as a dotted horizontal reference instead.
    ``labels`` names the two curves (e.g. ``("train", "validation")``).
    """
    strengths = np.asarray(strengths, dtype=float)
    train_scores = np.asarray(train_scores, dtype=float)
    test_scores = np.asarray(test_scores, dtype=float)
    if not (strengths.shape == train_scores.shape == test_scores.shape) or strengths.ndim != 1:
        raise ValueError(
            f"regularization_sweep: strengths, train_scores and test_scores must be 1-D and equally long, "
            f"got shapes {strengths.shape}, {train_scores.shape}, {test_scores.shape}"
        )
    fig, axes = _figure(1, 1)
    ax = axes[0, 0]
    positive = strengths > 0 if logx else np.ones_like(strengths, dtype=bool)
    train_label, test_label = labels
    ax.plot(strengths[positive], train_scores[positive], "o-", color="C0", label=train_label)
    ax.plot(strengths[positive], test_scores[positive], "s-", color="C1", label=test_label)
    if logx:
        ax.set_xscale("log")
        for scores, color, split in ((train_scores, "C0", train_label), (test_scores, "C1", test_label)):
            for value in scores[~positive]:
                ax.axhline(value, color=color, linestyle=":", label=f"{split}, λ = 0")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    legend_below(fig, ax, ncols=2)
    if title:
        ax.set_title(title)
    return fig


def decision_boundary(model, x, y, *, resolution=300, padding=0.5, title=None):
    """Predicted class over the plane (filled regions) with the data points on top, for 2-D inputs.

    The model is evaluated in eval mode on a ``resolution x resolution`` grid spanning the data.
    One output column is read as a binary logit (class 1 when positive), several as class scores.
    """
    from .train import predict

    x, y = np.asarray(x), np.asarray(y).reshape(-1)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"decision_boundary: expected x of shape (n, 2), got {x.shape}")
    lo, hi = x.min(axis=0) - padding, x.max(axis=0) + padding
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    scores = predict(model, grid, batch_size=4096)
    classes = (scores[:, 0] > 0).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
    labels = np.unique(np.concatenate([np.unique(y.astype(int)), np.unique(classes)]))
    fig, axes = _figure(1, 1, figsize=(5.0, 4.4))
    ax = axes[0, 0]
    from matplotlib.colors import ListedColormap

    colors = [f"C{int(k) % 7}" for k in labels]
    ax.contourf(g0, g1, np.searchsorted(labels, classes).reshape(g0.shape), levels=np.arange(len(labels) + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    for k, color in zip(labels, colors):
        mask = y.astype(int) == k
        ax.scatter(x[mask, 0], x[mask, 1], s=12, color=color, edgecolors="white", linewidths=0.4, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    ax.grid(False)
    legend_below(fig, ax)
    if title:
        ax.set_title(title)
    return fig


def misclassified_digits(x, y_true, y_pred, *, n=20, ncols=8, image_shape=(28, 28)):
    """A grid of the first ``n`` misclassified images, each titled ``true → predicted``.

    ``ncols`` images per row; the default 8 keeps the figure under the text column's width.

    ``x`` holds flattened images (``(N, 784)`` for MNIST); ``y_true`` and ``y_pred`` are class labels.
    """
    x, y_true, y_pred = np.asarray(x), np.asarray(y_true), np.asarray(y_pred)
    if not (len(x) == len(y_true) == len(y_pred)):
        raise ValueError(
            f"misclassified_digits: x, y_true and y_pred must be equally long, got {len(x)}, {len(y_true)}, {len(y_pred)}"
        )
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    if wrong.size == 0:
        raise ValueError("misclassified_digits: every prediction is correct, there is nothing to show")
    ncols = min(ncols, wrong.size)
    nrows = -(-wrong.size // ncols)
    fig, axes = _figure(nrows, ncols, figsize=(0.72 * ncols, 0.95 * nrows))
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, index in zip(axes.flat, wrong):
        ax.imshow(x[index].reshape(image_shape), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_title(f"{y_true[index]} → {y_pred[index]}", fontsize=10)
    return fig


def backprop_diagram(boxes, edges, *, forward_color="#009E73", backward_color="#D55E00", figsize=(6.4, 3.4)):
    """A computation drawn as boxes and arrows, each arrow labelled with its forward value and its gradient.

    ``boxes`` maps a label to the ``(x, y)`` centre of its box; ``edges`` lists
    ``(from, to, forward value, gradient)``. The forward value sits on one side of its arrow and the
    gradient on the other, both moved off the line along its perpendicular, so no number sits on
    an arrow whatever its slope. Forward values are green, gradients orange (Okabe–Ito).
    """
    from matplotlib.patches import FancyBboxPatch

    fig, axes = _figure(1, 1, figsize=figsize)
    ax = axes[0, 0]
    xs, ys = [x for x, _ in boxes.values()], [y for _, y in boxes.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.9)
    ax.axis("off")
    half_width, half_height = 0.42, 0.28
    for label, (bx, by) in boxes.items():
        ax.add_patch(FancyBboxPatch((bx - half_width, by - half_height), 2 * half_width, 2 * half_height,
                                    boxstyle="round,pad=0.05", facecolor="white", edgecolor="0.3", linewidth=1.5))
        ax.text(bx, by, label, ha="center", va="center")
    fig.draw_without_rendering()  # the axes' final place: the data-to-inches scale of each direction
    to_inches = ax.transData.transform
    for start, end, value, grad in edges:
        (x0, y0), (x1, y1) = boxes[start], boxes[end]
        dx, dy = x1 - x0, y1 - y0
        length = np.hypot(dx, dy)
        gap = half_width + 0.05
        ax.annotate("", xy=(x1 - gap * dx / length, y1 - gap * dy / length),
                    xytext=(x0 + gap * dx / length, y0 + gap * dy / length),
                    arrowprops=dict(arrowstyle="-|>", color="0.35", linewidth=1.4))
        # The arrow's perpendicular, in screen space (the axes' x and y scales differ).
        (px0, py0), (px1, py1) = to_inches([(x0, y0), (x1, y1)])
        normal = np.array([-(py1 - py0), px1 - px0]) / np.hypot(px1 - px0, py1 - py0)
        if normal[1] < 0:
            normal = -normal  # the forward value goes above (or, on a vertical arrow, right of) the line
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        for text, color, side in ((f"{value:g}", forward_color, 1), (f"{grad:g}", backward_color, -1)):
            nx, ny = side * normal
            ax.annotate(text, middle, xytext=(7 * nx, 7 * ny), textcoords="offset points", color=color,
                        fontweight="bold", ha="left" if nx > 0.35 else "right" if nx < -0.35 else "center",
                        va="bottom" if ny > 0.35 else "top" if ny < -0.35 else "center")
    ax.text(0.0, 1.0, "forward value", color=forward_color, fontweight="bold", transform=ax.transAxes, va="top")
    ax.text(0.4, 1.0, "gradient (blame)", color=backward_color, fontweight="bold", transform=ax.transAxes,
            va="top")
    return fig
