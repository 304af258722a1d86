"""Draft builder of notebooks/16_classifier_free_guidance.ipynb (issue 24)."""
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

cells = []


def md(text):
    cells.append(new_markdown_cell(text.strip("\n")))


def code(text):
    cells.append(new_code_cell(text.strip("\n")))


md(r"""
# Class-conditional diffusion and classifier-free guidance

The model of notebook 15 draws a garment of whatever class its starting noise
leads to. To ask for a class, give the class to the network:
$\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, y)$. That alone works, but
weakly: a conditional model often draws images that only half belong to their
class, because nothing pushes it toward what makes the class distinctive.
**Guidance** does. Dhariwal and Nichol (2021) steered the sampler with the
gradient of a separate classifier trained on noisy images; Ho and Salimans
(2022) showed that the diffusion model can serve as its own classifier, with
no second network: **classifier-free guidance**, the method behind today's
text-to-image models (where $y$ is a sentence instead of a class).

The idea in one line: train one network both with the class and without it
(the class replaced by a "null" class for a random share of each batch), then,
when sampling, extrapolate from the unconditional prediction toward the
conditional one, by a **guidance weight** $w$:

$$
\tilde{\boldsymbol{\epsilon}} = \boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, \varnothing)
+ w\,\big(\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, y) - \boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, \varnothing)\big).
$$

$w = 0$ ignores the class, $w = 1$ is the plain conditional model, and $w > 1$
pushes past it. This notebook measures what that buys and what it costs.
""")

code(r"""
import helpers  # first: it imports TensorFlow quietly

import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from helpers.diffusion import (Diffusion, build_unet, cosine_betas, ddim_sample, guided_noise,
                               null_class, predict_noise)

settings = helpers.setup("guided_diffusion")
""")

md(r"""
## The data, with labels

The same images as notebook 15, and this time their classes.
""")

code(r"""
data = helpers.load_fashion_mnist(train_size=settings.train_size)
X_train, y_train = data.X_train[..., np.newaxis], data.y_train
print("training images:", X_train.shape, "labels:", y_train.shape)
""")

md(r"""
## A U-Net that takes the class

`build_unet(..., n_classes=10)` adds a third input: the label goes through an
embedding layer with **11** rows, one per class and one more, row 10, for "no
class" $\varnothing$; its vector is added to the step's embedding, so the
class, like the step, shifts the features of every residual block. The model
is notebook 15's `Diffusion` with two more arguments: `n_classes`, and
`class_dropout`, the share of each batch whose labels its `train_step`
replaces by the null class (10 to 20 % in the paper). One network thus learns
both $\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, y)$ and
$\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t, \varnothing)$.
""")

code(r"""
# NBVAL_CHECK_OUTPUT
n_classes = len(helpers.CLASS_NAMES)
keras.utils.set_random_seed(helpers.SEED)
network = build_unet(settings.widths, settings.embedding_dim, n_classes=n_classes)
print(f"U-Net channels at 28, 14, 7 pixels: {settings.widths}; "
      f"parameters: {network.count_params():,}")
print("inputs:", [tensor.name for tensor in network.inputs])
print("the null class is label", null_class(network))
""")

code(r"""
model = Diffusion(network, cosine_betas(settings.n_steps), ema_decay=settings.ema_decay,
                  class_dropout=settings.class_dropout, n_classes=n_classes, seed=helpers.SEED,
                  name="guided_diffusion")
total_steps = settings.epochs * int(np.ceil(len(X_train) / settings.batch_size))
schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=total_steps)
model.compile(optimizer=keras.optimizers.Adam(schedule))
print(f"{settings.epochs} epochs, batch {settings.batch_size}, labels hidden for "
      f"{settings.class_dropout:.0%} of each batch")
history = helpers.fit_or_load(model, settings, "guided_diffusion", X_train, y_train,
                              epochs=settings.epochs, batch_size=settings.batch_size)
print("loss per epoch:", ", ".join(f"{loss:.4f}" for loss in history["loss"]))
""")

md(r"""
## Guidance, and why it works

By Bayes' rule, $\log p(\mathbf{x} \mid y) = \log p(\mathbf{x}) +
\log p(y \mid \mathbf{x}) - \log p(y)$, so the gradients with respect to the
image satisfy

$$
\nabla_{\mathbf{x}} \log p(\mathbf{x} \mid y) = \nabla_{\mathbf{x}} \log p(\mathbf{x}) + \nabla_{\mathbf{x}} \log p(y \mid \mathbf{x}).
$$

A noise-predicting network is, up to a factor, such a gradient: the noise in
$\mathbf{x}_t$ points away from the data, so
$\boldsymbol{\epsilon}_\theta(\mathbf{x}_t, t) \approx -\sqrt{1 - \bar\alpha_t}\,
\nabla_{\mathbf{x}_t} \log p_t(\mathbf{x}_t)$. The difference
$\boldsymbol{\epsilon}_\theta(\cdot, y) - \boldsymbol{\epsilon}_\theta(\cdot, \varnothing)$
is then the gradient of an **implicit classifier**, $\log p(y \mid
\mathbf{x}_t)$, and the guided prediction follows
$\log p(\mathbf{x}_t) + w \log p(y \mid \mathbf{x}_t)$: for $w > 1$ a
sharpened distribution in which images the implicit classifier is sure of
weigh more. Each guided step costs two network calls, which `predict_noise`
(notebook 15) makes as one call on a doubled batch:
""")

code(r"""
x = np.random.default_rng(0).standard_normal((4, 28, 28, 1)).astype("float32")
labels = np.array([0, 3, 5, 9])
steps = np.full(4, settings.n_steps // 2)
for w in (0.0, 1.0, 3.0):
    guided = predict_noise(model.ema_network, x, settings.n_steps // 2, labels, guidance=w)
    expected = guided_noise(model.ema_network.predict_on_batch([x, steps, np.full(4, null_class(network))]),
                            model.ema_network.predict_on_batch([x, steps, labels]), w)
    assert np.allclose(guided, expected, atol=1e-5), f"guidance formula broken at w = {w}"
print("predict_noise follows eps_uncond + w (eps_cond - eps_uncond) at w = 0, 1, 3")
""")

md(r"""
## One row per class

DDIM with `settings.sampling_steps` steps at the guidance weight
`settings.guidance` (the weight chosen from the trade-off measured below),
eight starting noises per class:
""")

code(r"""
n_per_row = 8
row_noise = np.random.default_rng(helpers.SEED).standard_normal(
    (n_per_row, 28, 28, 1)).astype("float32")
all_noise = np.tile(row_noise, (n_classes, 1, 1, 1))
all_labels = np.repeat(np.arange(n_classes), n_per_row)
class_rows = ddim_sample(model.ema_network, model.betas, all_noise, settings.sampling_steps,
                         labels=all_labels, guidance=settings.guidance)
helpers.plot_image_rows(dict(zip(helpers.CLASS_NAMES, class_rows.reshape(n_classes, n_per_row,
                                                                          28, 28, 1))),
                        title=f"One row per class, guidance w = {settings.guidance:g} "
                              "(same noises in every row)", size=0.9)
plt.show()
""")

md(r"""
Each column starts from the same noise in every row: the class decides the
garment, and what the noise decides (where the mass sits, light or dark)
carries over from row to row.

## The same noise under more and more guidance
""")

code(r"""
weights_shown = (0.0, 1.0, 3.0, 7.0)
shown_noise = np.repeat(row_noise[:1], n_classes, axis=0)
rows = {f"w = {w:g}": ddim_sample(model.ema_network, model.betas, shown_noise,
                                  settings.sampling_steps, labels=np.arange(n_classes),
                                  guidance=w) for w in weights_shown}
helpers.plot_image_rows(rows, title="One starting noise, each class (columns), "
                                    "guidance weight by row", size=0.9)
plt.show()
print("columns:", ", ".join(helpers.CLASS_NAMES))
""")

md(r"""
## The trade-off, measured

For each guidance weight, `settings.samples_per_class` samples of each class
from the same starting noises: the share the metric's classifier assigns to
the class asked for (**class agreement**), and the Fréchet distance and class
entropy of the whole set.
""")

code(r"""
classifier = helpers.load_or_train_classifier(data=data)
n_each = settings.samples_per_class
trade_noise = np.random.default_rng(helpers.SEED + 2).standard_normal(
    (n_each * n_classes, 28, 28, 1)).astype("float32")
trade_labels = np.repeat(np.arange(n_classes), n_each)
curve = []
for w in settings.guidance_weights:
    start = time.perf_counter()
    images = ddim_sample(model.ema_network, model.betas, trade_noise, settings.sampling_steps,
                         labels=trade_labels, guidance=w)
    seconds = time.perf_counter() - start
    agreement = np.mean(helpers.evaluation.predicted_classes(classifier, images) == trade_labels)
    report = helpers.sample_quality_report(images, classifier, data, n_samples=len(images),
                                           verbose=False)
    curve.append((w, agreement, report.distance, report.entropy, seconds))
helpers.show_table(["w", "class agreement", "Fréchet distance", "class entropy (nats)", "seconds"],
                   [(f"{w:g}", f"{a:.1%}", f"{d:.2f}", f"{h:.2f}", f"{s:.0f}")
                    for w, a, d, h, s in curve])
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
left.plot([c[0] for c in curve], [c[1] for c in curve], marker="o")
left.set(xlabel="guidance weight w", ylabel="class agreement", title="Does it draw the class?")
right.plot([c[0] for c in curve], [c[2] for c in curve], marker="o", color="tab:red")
right.set(xlabel="guidance weight w", ylabel="Fréchet distance", title="How real does it look?")
for ax in (left, right):
    ax.grid(alpha=0.3)
plt.show()
""")

code(r"""
by_weight = {w: (a, d) for w, a, d, _, _ in curve}
chosen_agreement, chosen_distance = by_weight[settings.guidance]
print(f"at w = {settings.guidance:g}: agreement {chosen_agreement:.1%} "
      f"(must be at least {settings.min_agreement:.0%}), Fréchet distance {chosen_distance:.2f}")
assert chosen_agreement >= settings.min_agreement, "the classes asked for are not drawn"
assert by_weight[0.0][0] < chosen_agreement - 0.1, "guidance makes no difference to the class"
""")

md(r"""
{{TRADEOFF_PROSE}}

## Watch it denoise

Pick a class, a seed (the starting noise) and a guidance weight, then move the
step slider through the reverse process, from pure noise to the image: the
garment's outline is settled within the first few steps, the detail comes
last. The widget loads the saved model
(`helpers.widgets.diffusion_explorer`).
""")

code(r"""
helpers.widgets.diffusion_explorer(helpers.model_path(settings, "guided_diffusion"),
                                   n_sampling_steps=settings.sampling_steps,
                                   guidance=settings.guidance)
""")

code(r"""
reloaded = keras.models.load_model(helpers.model_path(settings, "guided_diffusion"))
check = ddim_sample(reloaded.ema_network, reloaded.betas, shown_noise, settings.sampling_steps,
                    labels=np.arange(n_classes), guidance=3.0)
assert np.array_equal(check, rows["w = 3"]), "the reloaded model samples other images"
print("reloaded", type(reloaded).__name__, "samples the same images")
""")

md(r"""
## What we saw

{{SUMMARY}}
""")

nb = new_notebook(cells=cells)
nb.metadata = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                              "name": "python3"},
               "language_info": {"name": "python"}}
out = Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks/16_classifier_free_guidance.ipynb")
nbformat.write(nb, out)
print("wrote", out, len(cells), "cells")
