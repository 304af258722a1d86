"""Checks for the diffusion exercises (sections 15 and 16 of the generative-models exercises):
the forward process in closed form, the cosine schedule, one DDIM step, one DDPM step and
classifier-free guidance.

Usage: ``from helpers import exercises as ex; ex.check_forward_noise(add_noise)``
"""
from __future__ import annotations

from typing import Any

import numpy as np

from helpers.exercises.common import call, check, compare, floats

__all__ = [
    "forward_noise_reference", "check_forward_noise", "cosine_alpha_bars_reference",
    "check_cosine_alpha_bars", "ddim_step_reference", "check_ddim_step",
    "ddpm_step_reference", "check_ddpm_step", "guidance_reference", "check_guidance",
]


# --- 15: denoising diffusion -------------------------------------------------------------

def forward_noise_reference(clean, alpha_bars, noise):
    alpha_bars = np.asarray(alpha_bars, "float64").reshape(-1, 1, 1, 1)
    return np.sqrt(alpha_bars) * clean + np.sqrt(1 - alpha_bars) * noise


@check
def check_forward_noise(function: Any) -> str:
    """``function(clean, alpha_bars, noise)`` -> x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps, for
    images (n, h, w, 1) and one alpha-bar per image (n,)."""
    clean, noise = floats(3, 4, 4, 1, seed=50, low=-1, high=1), floats(3, 4, 4, 1, seed=51)
    alpha_bars = np.array([0.99, 0.5, 0.02])
    expected = forward_noise_reference(clean, alpha_bars, noise)
    shaped = alpha_bars.reshape(-1, 1, 1, 1)
    compare("x_t", call(function, clean, alpha_bars, noise), expected, hints={
        "alpha-bar is used without its square root (that is the variance, not the scale)":
            shaped * clean + (1 - shaped) * noise,
        "the image and the noise swapped places": forward_noise_reference(noise, alpha_bars, clean),
        "the noise's scale is 1 - sqrt(alpha-bar) rather than sqrt(1 - alpha-bar)":
            np.sqrt(shaped) * clean + (1 - np.sqrt(shaped)) * noise})
    return "each image kept at sqrt(alpha-bar) of its scale, plus noise of variance 1 - alpha-bar"


def _cosine_f(n_steps, offset=0.008, squared=True):
    f = np.cos((np.arange(n_steps + 1) / n_steps + offset) / (1 + offset) * np.pi / 2)
    return f ** 2 if squared else f


def cosine_alpha_bars_reference(n_steps, offset=0.008):
    f = _cosine_f(n_steps, offset)
    return f[1:] / f[0]


@check
def check_cosine_alpha_bars(function: Any) -> str:
    """``function(n_steps)`` -> alpha-bar_t for t = 1 .. T of the cosine schedule:
    f(t) / f(0) with f(t) = cos^2(pi/2 (t/T + s) / (1 + s)), s = 0.008."""
    for n_steps in (10, 200):
        f, unsquared = _cosine_f(n_steps), _cosine_f(n_steps, squared=False)
        compare(f"alpha-bar for T = {n_steps}", call(function, n_steps),
                cosine_alpha_bars_reference(n_steps), tolerance=1e-5, hints={
                    "it runs over t = 0 .. T - 1: alpha-bar_1 .. alpha-bar_T are wanted":
                        f[:-1] / f[0],
                    "f(t) is not divided by f(0)": f[1:],
                    "the cosine is not squared": unsquared[1:] / unsquared[0]})
    return "alpha-bar falls from just under 1 to 0 along the squared cosine"


def ddim_step_reference(x, eps, alpha_bar, alpha_bar_next):
    clean = (x - np.sqrt(1 - alpha_bar) * eps) / np.sqrt(alpha_bar)
    return np.sqrt(alpha_bar_next) * clean + np.sqrt(1 - alpha_bar_next) * eps


@check
def check_ddim_step(function: Any) -> str:
    """``function(x_t, eps, alpha_bar_t, alpha_bar_s)`` -> x_s of deterministic DDIM: predict
    x_0 from x_t and the noise, then put it back at the level of step s with the same noise."""
    x, eps = floats(2, 4, 4, 1, seed=52), floats(2, 4, 4, 1, seed=53)
    for alpha_bar, alpha_bar_next in ((0.3, 0.6), (0.05, 0.9)):
        expected = ddim_step_reference(x, eps, alpha_bar, alpha_bar_next)
        compare(f"x_s for alpha-bar {alpha_bar} -> {alpha_bar_next}",
                call(function, x, eps, alpha_bar, alpha_bar_next), expected, tolerance=1e-4,
                hints={"the two levels swapped": ddim_step_reference(x, eps, alpha_bar_next,
                                                                     alpha_bar),
                       "x_0 predicted but not noised again: x_s must carry sqrt(1 - abar_s) eps":
                           np.sqrt(alpha_bar_next) * (x - np.sqrt(1 - alpha_bar) * eps)
                           / np.sqrt(alpha_bar)})
    return "x_0 from x_t and the noise, then back to the next level with the same noise"


def ddpm_step_reference(x, eps, beta, alpha_bar, alpha_bar_previous, z, variance=None):
    mean = (x - beta / np.sqrt(1 - alpha_bar) * eps) / np.sqrt(1 - beta)
    if variance is None:  # beta~_t, the variance of q(x_{t-1} | x_t, x_0)
        variance = beta * (1 - alpha_bar_previous) / (1 - alpha_bar)
    return mean + np.sqrt(variance) * z


@check
def check_ddpm_step(function: Any) -> str:
    """``function(x_t, eps, beta_t, alpha_bar_t, alpha_bar_prev, z)`` -> x_{t-1} of ancestral
    sampling: (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sqrt(beta~_t) z."""
    x, eps, z = (floats(2, 4, 4, 1, seed=seed) for seed in (54, 55, 56))
    for beta, alpha_bar, alpha_bar_previous in ((0.02, 0.3, 0.306), (0.2, 0.05, 0.0625)):
        args = (x, eps, beta, alpha_bar, alpha_bar_previous, z)
        compare(f"x_(t-1) at beta = {beta}", call(function, *args), ddpm_step_reference(*args),
                tolerance=1e-4, hints={
                    "the noise's variance is beta_t; the posterior's is beta~_t = beta_t "
                    "(1 - abar_(t-1)) / (1 - abar_t)": ddpm_step_reference(*args, variance=beta),
                    "no fresh noise added": ddpm_step_reference(*args, variance=0.0),
                    "the mean is not divided by sqrt(alpha_t)": ddpm_step_reference(
                        x * np.sqrt(1 - beta), eps * np.sqrt(1 - beta), beta, alpha_bar,
                        alpha_bar_previous, z)})
    return "the posterior mean from the predicted noise, plus noise of variance beta~_t"


# --- 16: classifier-free guidance --------------------------------------------------------

def guidance_reference(eps_unconditional, eps_conditional, weight):
    return eps_unconditional + weight * (eps_conditional - eps_unconditional)


@check
def check_guidance(function: Any) -> str:
    """``function(eps_unconditional, eps_conditional, w)`` -> eps_uncond + w (eps_cond - eps_uncond)."""
    unconditional, conditional = floats(2, 4, 4, 1, seed=57), floats(2, 4, 4, 1, seed=58)
    for weight in (0.0, 1.0, 3.0, 7.5):
        expected = guidance_reference(unconditional, conditional, weight)
        compare(f"the guided noise at w = {weight:g}",
                call(function, unconditional, conditional, weight), expected, hints={
                    "the two predictions swapped: w = 0 must give the unconditional one":
                        guidance_reference(conditional, unconditional, weight),
                    "w scales the conditional prediction alone": weight * conditional})
    return "w = 0 ignores the class, w = 1 is the conditional model, w > 1 goes past it"
