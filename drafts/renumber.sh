#!/usr/bin/env bash
# Move the exercise notebooks 15, 16 -> 17, 18 and fix every reference (run from the project root).
set -euo pipefail
git mv notebooks/15_exercises_autoencoders.ipynb notebooks/17_exercises_autoencoders.ipynb
git mv notebooks/16_exercises_gans.ipynb notebooks/18_exercises_gans.ipynb
git mv notebooks/solutions/15_exercises_autoencoders.ipynb notebooks/solutions/17_exercises_autoencoders.ipynb
git mv notebooks/solutions/16_exercises_gans.ipynb notebooks/solutions/18_exercises_gans.ipynb
files=$(git ls-files | grep -E '\.(py|md|ipynb|toml|cfg|yml|json)$|Makefile' | grep -v '^pretrained/')
sed -i -e 's/15_exercises_autoencoders/17_exercises_autoencoders/g' \
       -e 's/16_exercises_gans/18_exercises_gans/g' \
       -e 's/15_\*\.ipynb notebooks\/16_\*\.ipynb/17_*.ipynb notebooks\/18_*.ipynb/g' $files
grep -rn "notebooks\? 15\|notebooks\? 16\|15 and 16" $files | grep -v "^drafts/" || true
