"""Insert sections 15 (diffusion) and 16 (guidance) into the generative exercises' solutions,
before "## Where next"; then run tools/make_exercises.py. Run after drafts/renumber.sh."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

PATH = Path("notebooks/solutions/18_exercises_gans.ipynb")


def task(number, text, level, hint1, hint2):
    stars = {1: "★☆☆ easy", 2: "★★☆ medium", 3: "★★★ harder"}[level]
    return new_markdown_cell(f"""**{number} (code)** {text}

*Difficulty: {stars}*

<details><summary>Hint 1</summary>

{hint1}

</details>
<details><summary>Hint 2</summary>

{hint2}

</details>""")


def question(number, text, answer):
    return new_markdown_cell(f"""**{number}** {text}

<details><summary>Show answer</summary>

{answer}

</details>""")


cells = [
    new_markdown_cell("""<a id="ex15"></a>
## 15 Diffusion models

Goes with [notebook 15](../15_diffusion_models.ipynb). Destroy images with noise in many small steps, learn to undo one step, then sample from pure noise."""),
    question("15.1", "Why does a diffusion model train more reliably than a GAN?", """
The loss is a plain regression: for an image, a step and a noise drawn at random,
the squared error between the noise and the network's prediction of it. Its
minimum is known (the conditional mean of the noise), no second network moves the
target while the first learns, and a falling loss means a better model. A GAN's
two losses describe a game whose equilibrium nothing guarantees to reach
(notebook 12): they oscillate, one player can overpower the other, and the
generator can collapse onto a few modes. A diffusion model's loss covers every
training image at every noise level, so it has no incentive to drop part of the
data."""),
    question("15.2", "A diffusion model needs one network call per sampling step. Why can DDIM "
             "use 25 steps where DDPM was trained with hundreds, without retraining? What "
             "does it give up?", """
Training only uses the marginals $q(\\mathbf{x}_t \\mid \\mathbf{x}_0)$, never the
one-step chain, so any sampler consistent with those marginals can use the same
noise predictor. DDIM's deterministic update predicts $\\mathbf{x}_0$ and re-noises
it to any lower level with the same predicted noise, so it can jump across many
steps at once. Each jump assumes the prediction of $\\mathbf{x}_0$ holds over the
whole gap, which is less true for large gaps: with fewer steps the samples become
smoother and lose detail (the step-count table of notebook 15 measures it). It
also gives up randomness after the start: the starting noise decides the image."""),
    task("15.3", "The forward process in one go: given clean images `clean` of shape "
         "`(n, h, w, 1)` in $[-1, 1]$, one $\\bar\\alpha_t$ per image, `alpha_bars` of shape "
         "`(n,)`, and Gaussian `noise` of the images' shape, return "
         "$\\mathbf{x}_t = \\sqrt{\\bar\\alpha_t}\\,\\mathbf{x}_0 + \\sqrt{1 - \\bar\\alpha_t}\\,"
         "\\boldsymbol\\epsilon$.", 1,
         "Each image needs its own $\\bar\\alpha_t$: reshape `alpha_bars` to `(n, 1, 1, 1)` so "
         "that it broadcasts over the pixels.",
         "`a = np.reshape(alpha_bars, (-1, 1, 1, 1))`, then "
         "`np.sqrt(a) * clean + np.sqrt(1 - a) * noise`."),
    new_code_cell("""def add_noise(clean, alpha_bars, noise):
    # BEGIN SOLUTION
    alpha_bars = np.reshape(alpha_bars, (-1, 1, 1, 1))  # one per image, over its pixels
    return np.sqrt(alpha_bars) * clean + np.sqrt(1 - alpha_bars) * noise
    # END SOLUTION"""),
    new_code_cell("""# NBVAL_CHECK_OUTPUT
assert ex.check_forward_noise(add_noise)"""),
    task("15.4", "The cosine schedule: return $\\bar\\alpha_t$ for $t = 1, \\dots, T$ "
         "(an array of `n_steps` numbers), $\\bar\\alpha_t = f(t) / f(0)$ with "
         "$f(t) = \\cos^2\\!\\big(\\tfrac{\\pi}{2} \\tfrac{t/T + s}{1 + s}\\big)$ and $s = 0.008$.", 1,
         "Compute $f$ at the $T + 1$ points $t = 0, 1, \\dots, T$ with `np.arange(n_steps + 1)`, "
         "then divide by its first value.",
         "`f = np.cos((np.arange(n_steps + 1) / n_steps + 0.008) / 1.008 * np.pi / 2) ** 2`, "
         "then `f[1:] / f[0]`."),
    new_code_cell("""def cosine_alpha_bars(n_steps):
    # BEGIN SOLUTION
    f = np.cos((np.arange(n_steps + 1) / n_steps + 0.008) / 1.008 * np.pi / 2) ** 2
    return f[1:] / f[0]
    # END SOLUTION"""),
    new_code_cell("""# NBVAL_CHECK_OUTPUT
assert ex.check_cosine_alpha_bars(cosine_alpha_bars)"""),
    task("15.5", "One deterministic DDIM step: from `x_t` and the predicted noise `eps`, "
         "with $\\bar\\alpha_t$ = `alpha_bar` and the next visited step's $\\bar\\alpha_s$ = "
         "`alpha_bar_next`, return $\\mathbf{x}_s$ (no clipping).", 2,
         "Two lines: first the clean image the noise implies, "
         "$\\hat{\\mathbf{x}}_0 = (\\mathbf{x}_t - \\sqrt{1 - \\bar\\alpha_t}\\,\\boldsymbol\\epsilon)"
         " / \\sqrt{\\bar\\alpha_t}$; then the forward process's closed form at level $s$.",
         "`clean = (x_t - np.sqrt(1 - alpha_bar) * eps) / np.sqrt(alpha_bar)`, then "
         "`np.sqrt(alpha_bar_next) * clean + np.sqrt(1 - alpha_bar_next) * eps`."),
    new_code_cell("""def ddim_step(x_t, eps, alpha_bar, alpha_bar_next):
    # BEGIN SOLUTION
    clean = (x_t - np.sqrt(1 - alpha_bar) * eps) / np.sqrt(alpha_bar)  # the predicted x_0
    return np.sqrt(alpha_bar_next) * clean + np.sqrt(1 - alpha_bar_next) * eps
    # END SOLUTION"""),
    new_code_cell("""# NBVAL_CHECK_OUTPUT
assert ex.check_ddim_step(ddim_step)"""),
    task("15.6", "One ancestral DDPM step: from `x_t`, the predicted noise `eps`, "
         "$\\beta_t$ = `beta`, $\\bar\\alpha_t$ = `alpha_bar`, $\\bar\\alpha_{t-1}$ = "
         "`alpha_bar_previous` and a fresh Gaussian `z`, return "
         "$\\mathbf{x}_{t-1} = \\frac{1}{\\sqrt{\\alpha_t}}\\big(\\mathbf{x}_t - "
         "\\frac{\\beta_t}{\\sqrt{1 - \\bar\\alpha_t}}\\boldsymbol\\epsilon\\big) + "
         "\\sqrt{\\tilde\\beta_t}\\,\\mathbf{z}$.", 2,
         "$\\alpha_t = 1 - \\beta_t$, and the noise's variance is the posterior's, "
         "$\\tilde\\beta_t = \\beta_t (1 - \\bar\\alpha_{t-1}) / (1 - \\bar\\alpha_t)$, "
         "not $\\beta_t$.",
         "`mean = (x_t - beta / np.sqrt(1 - alpha_bar) * eps) / np.sqrt(1 - beta)`, "
         "then `mean + np.sqrt(beta * (1 - alpha_bar_previous) / (1 - alpha_bar)) * z`."),
    new_code_cell("""def ddpm_step(x_t, eps, beta, alpha_bar, alpha_bar_previous, z):
    # BEGIN SOLUTION
    mean = (x_t - beta / np.sqrt(1 - alpha_bar) * eps) / np.sqrt(1 - beta)
    variance = beta * (1 - alpha_bar_previous) / (1 - alpha_bar)  # beta~_t
    return mean + np.sqrt(variance) * z
    # END SOLUTION"""),
    new_code_cell("""# NBVAL_CHECK_OUTPUT
assert ex.check_ddpm_step(ddpm_step)"""),
    new_markdown_cell("""<a id="ex16"></a>
## 16 Class-conditional diffusion and classifier-free guidance

Goes with [notebook 16](../16_classifier_free_guidance.ipynb). One network with and without the class, and a weight that extrapolates between the two."""),
    question("16.1", "Why does classifier-free guidance hide the class for a share of the "
             "training batch? What would go wrong with 0 % or 100 %?", """
Guidance needs two predictions from the same network, with the class and without
it. Hiding the class (the null label) for a share of each batch trains the second
one at little cost. With 0 % the network never learns what to predict without a
class, so the "unconditional" prediction is meaningless and the extrapolation
points nowhere useful; with 100 % it never sees a class, and the conditional and
unconditional predictions are the same, so guidance does nothing. Ten to twenty
per cent keeps most of the training for the conditional model."""),
    question("16.2", "Raising the guidance weight makes samples agree with their class more "
             "often. What does it cost, and how does notebook 16 see it?", """
Diversity, and eventually realism. Guidance sharpens the distribution toward the
images the implicit classifier is surest of, so samples of a class look more and
more alike and more stereotyped (high contrast, typical shapes). The Fréchet
distance, which compares the spread of the samples' features with real images',
rises once that narrowing outweighs the gain in class fidelity, while class
agreement keeps climbing: the table of notebook 16 shows both against $w$."""),
    task("16.3", "Classifier-free guidance: from the noise predicted without the class, "
         "`eps_unconditional`, and with it, `eps_conditional`, and the weight `w`, return "
         "the guided noise.", 1,
         "Start from the unconditional prediction and move along the difference the class "
         "makes, `w` times.",
         "`eps_unconditional + w * (eps_conditional - eps_unconditional)`."),
    new_code_cell("""def guide(eps_unconditional, eps_conditional, w):
    # BEGIN SOLUTION
    return eps_unconditional + w * (eps_conditional - eps_unconditional)
    # END SOLUTION"""),
    new_code_cell("""# NBVAL_CHECK_OUTPUT
assert ex.check_guidance(guide)"""),
]

nb = nbformat.read(PATH, as_version=4)
where = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Where next"))
nb.cells[where:where] = cells
nb.cells[0].source = nb.cells[0].source.replace(
    "Self-study exercises for notebooks 09 to 14", "Self-study exercises for notebooks 09 to 16"
).replace("progressive growing and\nStyleGAN.", "progressive growing,\nStyleGAN and diffusion models.").replace(
    "· [14](#ex14)", "· [14](#ex14) · [15](#ex15) · [16](#ex16)")
nbformat.write(nb, PATH)
print("inserted", len(cells), "cells at", where)
