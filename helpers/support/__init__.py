"""Plumbing the lessons should not have to show: the first cell's set-up
(``session``, ``tf_startup``, ``input_pipeline``), scale presets, where files live
(``paths``), Fashion-MNIST (``data``, and ``get_data`` that fills the cache), training
that a re-run does not repeat (``training``, ``fingerprint``), figures and tables,
and ``add_to_class`` (``classes``). Nothing here imports a lesson module.

Usage: ``from helpers.support.presets import preset_settings``
"""
