"""Self-checks for the exercise notebooks (17 and 18): call one on your answer.

Each ``check_...`` prints one plain line and returns a :class:`Result` (true only
when the answer is right):

- ``Not answered yet: ...`` while the blank is untouched (``None``, ``...``, a
  function whose body is still ``...`` or raises ``NotImplementedError``);
- ``Correct: ...`` when it matches a NumPy reference on a small input, or beats
  its baseline;
- ``Wrong: ...`` with what is wrong: the shape expected, the largest difference
  from the reference, both numbers of a comparison, or the one-line error your
  code raised. A check never ends in a stack trace because of your answer.

Usage::

    from helpers import exercises as ex
    ex.check_sampling(sample_codings)
"""
from helpers.exercises.common import CORRECT, NOT_ANSWERED, WRONG, NotAnswered, Result, Wrong
from helpers.exercises.autoencoders import *  # noqa: F401,F403 (each module lists its checks)
from helpers.exercises.gans import *  # noqa: F401,F403
from helpers.exercises.diffusion import *  # noqa: F401,F403
from helpers.exercises.projects import *  # noqa: F401,F403
