"""One diffusion recipe, trained and measured: python drafts/exp.py --widths 16,32,64 --epochs 2
Prints training time, then the Fréchet distance (n samples, DDIM steps) of EMA and raw weights."""
import argparse
import os
import time

os.environ.setdefault("NOTEBOOK_PRESET", "default")
import numpy as np  # noqa: E402

import helpers  # noqa: E402
import keras  # noqa: E402
from helpers.diffusion import Diffusion, build_unet, cosine_betas, ddim_sample  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--widths", default="16,32,64")
parser.add_argument("--dim", type=int, default=64)
parser.add_argument("--epochs", type=float, default=1)
parser.add_argument("--batch", type=int, default=128)
parser.add_argument("--lr", type=float, default=2e-3)
parser.add_argument("--T", type=int, default=200)
parser.add_argument("--steps", default="25")
parser.add_argument("--n", type=int, default=2000)
parser.add_argument("--decay", type=float, default=0.999)
parser.add_argument("--seed", type=int, default=42)
parser.add_argument("--no-cosine-lr", action="store_true")
parser.add_argument("--ema-only", action="store_true")
args = parser.parse_args()

data = helpers.load_fashion_mnist()
X = data.X_train[..., None]
keras.utils.set_random_seed(args.seed)
network = build_unet(tuple(int(w) for w in args.widths.split(",")), args.dim)
model = Diffusion(network, cosine_betas(args.T), ema_decay=args.decay, seed=args.seed)
n_batches = int(np.ceil(len(X) / args.batch))
total = int(args.epochs * n_batches)
lr = args.lr if args.no_cosine_lr else keras.optimizers.schedules.CosineDecay(args.lr, total)
model.compile(optimizer=keras.optimizers.Adam(lr))
start = time.perf_counter()
whole = int(args.epochs)
if whole:
    model.fit(X, batch_size=args.batch, epochs=whole, verbose=2)
rest = total - whole * n_batches
if rest:
    model.fit(X[:rest * args.batch], batch_size=args.batch, epochs=1, verbose=2)
train_seconds = time.perf_counter() - start
print(f"{args}: {network.count_params():,} params, trained {train_seconds:.0f} s", flush=True)
classifier = helpers.load_or_train_classifier(data=data)
noise = np.random.default_rng(helpers.SEED + 2).standard_normal((args.n, 28, 28, 1)).astype("float32")
for steps in (int(s) for s in args.steps.split(",")):
    for name, net in (("ema", model.ema_network), ("raw", model.network))[:1 if args.ema_only else 2]:
        start = time.perf_counter()
        images = ddim_sample(net, model.betas, noise, steps)
        seconds = time.perf_counter() - start
        report = helpers.sample_quality_report(images, classifier, data, n_samples=args.n,
                                               verbose=False)
        print(f"  {name} DDIM {steps}: FD {report.distance:.2f} entropy {report.entropy:.2f} "
              f"({seconds:.0f} s)", flush=True)
