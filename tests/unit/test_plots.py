"""scratchnn.plots: the book style and every figure function (they return Figures, draw, and validate input)."""

import io
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from scratchnn import optim, plots
from scratchnn.nn.activation import relu, relu_grad
from scratchnn.data import DataLoader, make_spirals
from scratchnn.nn import CrossEntropyLoss
from scratchnn.train import History, fit, make_mlp


def _renders(fig):
    """Draw the figure to PNG bytes; warnings (e.g. layout or glyph problems) fail the test."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(buffer, format="png")
    return buffer.getvalue().startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def history():
    train, val = make_spirals(30, 3, seed=1), make_spirals(30, 3, seed=2)
    model = make_mlp([2, 16, 3], seed=0)
    return fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
               DataLoader(*train, batch_size=16, seed=0), epochs=4, val=val)


def test_book_style_is_applied_and_idempotent():
    with matplotlib.rc_context():
        plots.use_book_style()
        first = dict(matplotlib.rcParams)
        plots.use_book_style()
        assert dict(matplotlib.rcParams) == first
        rc = matplotlib.rcParams
        assert matplotlib.colors.to_hex(rc["figure.facecolor"]) == "#ffffff"
        assert matplotlib.colors.to_hex(rc["axes.facecolor"]) == "#ffffff"
        assert rc["savefig.transparent"] is False
        assert rc["figure.dpi"] == 100 and rc["savefig.dpi"] == 200
        assert rc["figure.hooks"] == ["scratchnn.plots:fit_to_page"]
        assert rc["axes.prop_cycle"].by_key()["color"][:3] == ["#0072B2", "#D55E00", "#009E73"]
        assert "F0E442" not in str(rc["axes.prop_cycle"])  # Okabe-Ito yellow vanishes on white


def test_fit_to_page_keeps_a_wide_figure_within_the_text_column():
    import matplotlib.pyplot as plt

    with matplotlib.rc_context():
        plots.use_book_style()
        wide, _ = plt.subplots(figsize=(11, 4))
        narrow, _ = plt.subplots(figsize=(5, 3))
        try:
            assert wide.get_figwidth() * wide.dpi == pytest.approx(plots.PAGE_WIDTH_PX)
            assert narrow.dpi == plots.SCREEN_DPI
        finally:
            plt.close(wide)
            plt.close(narrow)
    fig = plots.training_curves(History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.6], train_acc=[0.5, 0.7],
                                        val_acc=[0.4, 0.6]))
    assert fig.get_figwidth() * fig.dpi <= plots.PAGE_WIDTH_PX
    # One legend, under both panels: no legend over the curves.
    assert fig.axes[0].get_legend() is None and fig.axes[1].get_legend() is None
    (below,) = fig.legends
    assert len(below.get_texts()) == 2


def test_book_style_asks_ipython_for_retina_pngs_even_before_pyplot_is_loaded():
    # A fresh interpreter with an IPython shell, as in a notebook kernel.
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "from matplotlib.figure import Figure\n"
        "shell = InteractiveShell.instance()\n"
        "from scratchnn.plots import use_book_style\n"
        "use_book_style()\n"
        "from matplotlib_inline.backend_inline import InlineBackend\n"
        "assert InlineBackend.instance().figure_formats == {'retina'}, InlineBackend.instance().figure_formats\n"
        "png = shell.display_formatter.formatters['image/png']\n"
        "import base64\n"
        "fig = Figure()\n"
        "fig.subplots().plot([0, 1])\n"
        "data = png(fig)\n"
        "assert data is not None, 'no PNG formatter for Figure'\n"
        "encoded, meta = data\n"
        "image = base64.b64decode(encoded)\n"
        "pixels_wide = int.from_bytes(image[16:20], 'big')\n"
        "assert pixels_wide // 2 == meta['width'], (pixels_wide, meta)  # retina: twice the display width\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _assert_one_column_within_phone_width(fig):
    """At most 6.4 inches wide, and every visible panel below the previous one (no side-by-side)."""
    assert fig.get_figwidth() <= 6.4
    fig.canvas.draw()  # constrained layout places the axes when drawn
    boxes = [ax.get_position() for ax in fig.axes if ax.get_visible()]
    assert all(abs(box.x0 - boxes[0].x0) < 0.05 for box in boxes), [box.x0 for box in boxes]
    assert all(lower.y1 <= upper.y0 + 1e-6 for upper, lower in zip(boxes, boxes[1:]))


def test_training_curves_has_loss_and_accuracy_panels_train_and_val(history):
    fig = plots.training_curves(history, title="spirals")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "val"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history.train_loss)
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), history.val_acc)
    assert acc_ax.get_ylabel() == "accuracy" and _renders(fig)
    _assert_one_column_within_phone_width(fig)
    assert acc_ax.get_xlabel() == "epoch" and loss_ax.get_xlabel() == ""  # shared epoch axis, labelled once


def test_training_curves_compares_labelled_runs_and_skips_missing_accuracy(history):
    regression = History(train_loss=[3.0, 2.0, 1.5], step_loss=[3.0])
    fig = plots.training_curves({"a": history, "b": regression}, log_loss=True)
    assert len(fig.axes) == 2
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == ["a (train)", "a (val)", "b (train)"]
    assert fig.axes[0].get_yscale() == "log"
    only_loss = plots.training_curves(regression)
    assert len(only_loss.axes) == 1 and _renders(only_loss)
    with pytest.raises(TypeError, match="expected a History"):
        plots.training_curves([1, 2, 3])


def test_activation_grid_plots_function_and_derivative_per_activation():
    fig = plots.activation_grid(["sigmoid", "tanh", "relu", "gelu"])
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["sigmoid", "tanh", "relu", "gelu"]
    relu_ax = visible[2]
    x = relu_ax.lines[1].get_xdata()
    np.testing.assert_allclose(relu_ax.lines[1].get_ydata(), relu(x))
    np.testing.assert_allclose(relu_ax.lines[2].get_ydata(), relu_grad(x))
    assert _renders(fig)
    _assert_one_column_within_phone_width(fig)
    two_columns = plots.activation_grid(["sigmoid", "tanh", "relu", "gelu"], ncols=2)
    left, right = [ax.get_position() for ax in two_columns.axes[:2]]
    assert two_columns.get_figwidth() <= 6.4 and right.x0 > left.x1 and _renders(two_columns)
    with pytest.raises(ValueError, match="ncols must be at least 1, got 0"):
        plots.activation_grid(["relu"], ncols=0)
    custom = plots.activation_grid({"square": (np.square, lambda x: 2 * x)}, x=np.linspace(-1, 1, 5))
    np.testing.assert_allclose(custom.axes[0].lines[2].get_ydata(), [-2, -1, 0, 1, 2])
    with pytest.raises(ValueError, match="no 'swish'"):
        plots.activation_grid(["swish"])


def test_gradient_norms_plot_uses_a_log_axis_and_one_line_per_run():
    norms = {"sigmoid": {"0.weight": 1e-5, "2.weight": 1e-3, "4.weight": 0.5},
             "relu": {"0.weight": 0.9, "2.weight": 0.7, "4.weight": 0.6}}
    fig = plots.gradient_norms(norms, title="depth")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and [line.get_label() for line in ax.lines] == ["sigmoid", "relu"]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["0.weight", "2.weight", "4.weight"]
    assert _renders(fig)
    single = plots.gradient_norms(norms["relu"], log=False)
    assert single.axes[0].get_yscale() == "linear" and _renders(single)
    with pytest.raises(TypeError, match="mapping"):
        plots.gradient_norms([1.0, 2.0])


def test_regularization_sweep_puts_strength_on_a_log_axis_and_zero_as_a_reference():
    fig = plots.regularization_sweep([0.0, 1e-4, 1e-3, 1e-2], [1.0, 0.99, 0.95, 0.8], [0.7, 0.75, 0.8, 0.78])
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    train_line = ax.lines[0]
    np.testing.assert_allclose(train_line.get_xdata(), [1e-4, 1e-3, 1e-2])
    references = [line for line in ax.lines if "λ = 0" in line.get_label()]
    assert [line.get_ydata()[0] for line in references] == [1.0, 0.7]
    assert _renders(fig)
    relabelled = plots.regularization_sweep([0.0, 0.1, 0.5], [1.0, 0.9, 0.8], [0.7, 0.8, 0.75], logx=False,
                                            labels=("train", "validation"))
    assert [line.get_label() for line in relabelled.axes[0].lines] == ["train", "validation"]
    with pytest.raises(ValueError, match="equally long"):
        plots.regularization_sweep([1, 2], [1, 2, 3], [1, 2])


def test_decision_boundary_colours_the_plane_by_the_model_prediction():
    x, y = make_spirals(30, 3, seed=1)
    model = make_mlp([2, 32, 3], seed=0)
    model.train()
    fig = plots.decision_boundary(model, x, y, resolution=50, title="untrained")
    ax = fig.axes[0]
    assert len(ax.collections) >= 1 + 3  # filled regions + one scatter per class
    assert model.training  # prediction ran in eval mode and the mode came back
    assert _renders(fig)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plots.decision_boundary(model, np.zeros((4, 3)), np.zeros(4))


def test_misclassified_digits_shows_only_the_mistakes_with_true_and_predicted_labels():
    rng = np.random.default_rng(0)
    x = rng.random((12, 784)).astype(np.float32)
    y_true = np.arange(12) % 10
    y_pred = y_true.copy()
    y_pred[[2, 5, 7]] = [9, 0, 1]
    fig = plots.misclassified_digits(x, y_true, y_pred, n=20)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == ["2 → 9", "5 → 0", "7 → 1"]
    assert plots.misclassified_digits(x, y_true, np.zeros(12, dtype=int), n=20).get_figwidth() <= 6.4
    assert _renders(fig)
    with pytest.raises(ValueError, match="every prediction is correct"):
        plots.misclassified_digits(x, y_true, y_true)
    with pytest.raises(ValueError, match="equally long"):
        plots.misclassified_digits(x, y_true[:5], y_pred)


def test_figures_are_not_registered_with_pyplot(history):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plots.training_curves(history)
    assert plt.get_fignums() == before


def test_compare_lines_keeps_coinciding_series_apart():
    x = np.linspace(-5, 5, 401)
    same = {"relu'": relu_grad(x), "leaky_relu' (same here)": relu_grad(x)}
    fig = plots.compare_lines(x, same, xlabel="x", ylabel="slope")
    first, second = fig.axes[0].get_lines()
    assert first.get_linestyle() != second.get_linestyle() and first.get_marker() != second.get_marker()
    assert first.get_color() != second.get_color()
    assert first.get_markevery()[0] != second.get_markevery()[0]  # staggered markers: both show
    assert fig.axes[0].get_legend() is None and len(fig.legends) == 1  # below the axes, not over data
    assert _renders(fig)
    epochs = np.arange(1, 6)
    fig = plots.compare_lines(epochs, {"a": epochs * 1.0, "b": epochs * 1.0}, dodge=0.1)
    a, b = fig.axes[0].get_lines()
    assert np.allclose(b.get_xdata() - a.get_xdata(), 0.1)
    with pytest.raises(ValueError, match="has shape"):
        plots.compare_lines(x, {"short": x[:3]})


def test_backprop_diagram_puts_no_number_on_an_arrow():
    boxes = {"x": (0.6, 3.3), "w": (0.6, 1.3), "×": (2.4, 2.3), "loss": (4.6, 2.3)}
    edges = [("x", "×", 2.0, -3.0), ("w", "×", -1.5, 4.0), ("×", "loss", -3.0, 1.0)]
    fig = plots.backprop_diagram(boxes, edges)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text() in {"2", "-3", "-1.5", "4", "1"}]
    assert len(labels) == 6
    for start, end, *_ in edges:
        (x0, y0), (x1, y1) = ax.transData.transform([boxes[start], boxes[end]])
        points = np.linspace([x0, y0], [x1, y1], 50)[5:-5]
        for label in labels:
            box = label.get_window_extent(renderer)
            assert not any(box.contains(px, py) for px, py in points), (label.get_text(), start, end)


def test_displayed_figures_are_readable_on_a_phone_and_say_so_in_the_png():
    import base64

    from PIL import Image

    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.subplots()
    ax.plot([0, 1], label="line")
    ax.legend(fontsize=8)
    ax.set_title("small", fontsize=7)
    png, size = plots.retina_png(fig)
    image = Image.open(io.BytesIO(base64.b64decode(png)))
    assert size["width"] == image.width // 2
    smallest = float(image.text[plots.FIGURE_TEXT_KEY])
    assert smallest == pytest.approx(ax.title.get_fontsize() * 2 * fig.dpi / 72, abs=0.1)
    assert ax.get_title() == "small" and ax.title.get_fontsize() > 9  # was 7 points
    # As shown on a phone, the PNG shrunk to the phone's column: the smallest text stays readable.
    assert smallest * plots.PHONE_WIDTH_PX / image.width >= plots.PHONE_TEXT_PX * 0.98
    assert plots.retina_png(Figure()) is None
