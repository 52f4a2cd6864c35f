#!/usr/bin/python3
"""PyTorch eager CapsNet (Sabour, Frosst and Hinton 2017), the benchmark harness's PyTorch baseline.

The same architecture, parameter names and layout as src/Training/Model, so that the same weights give the same
function: Conv1 9x9 256 -> PrimaryCaps (9x9 stride-2 conv, 256 channels read as 32 maps x 8 dims, channel m*8+d is
dimension d of map m's capsules) -> DigitCaps (W: [1152, 10*16, 8]) with 3 iterations of routing by agreement, the
coupling softmax over the parent (digit) capsules j for each input capsule i -> capsule lengths; decoder
160-512-1024-784 (ReLU, ReLU, sigmoid) on the masked true capsule; margin loss (m+ 0.9, m- 0.1, lambda 0.5) +
0.0005 x the summed squared reconstruction error, averaged over the batch.

Run by `CapsNetService.Benchmarks pytorch` (bench/pytorch/README.md), one mode per process:
  check  the same-function check: outputs and gradients from the harness's weights against the harness's reference
  train  timed training steps (Adam, lr 1e-3, random +-2 px shifts as the trainer draws them)
  infer  timed eval-mode forward passes (no_grad, decoder on the longest capsule, lengths read back)
Each prints one line `row-result: {json}` on stdout; progress goes to stderr.
"""
import argparse
import collections
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EPSILON = 1e-8          # as Capsules.Epsilon: |s| = sqrt(|s|^2 + eps) keeps squash and length finite at 0
SIDE, CLASSES, CAPSULE_DIMS = 28, 10, 16
MARKER = "row-result: "


def squash(s, dim=-1):
    squared = s.square().sum(dim, keepdim=True)
    return s * (squared / (1 + squared) / (squared + EPSILON).sqrt())


def capsule_length(v, dim=-1):
    return (v.square().sum(dim) + EPSILON).sqrt()


class PrimaryCaps(nn.Module):
    def __init__(self, in_channels=256, maps=32, dims=8, kernel=9, stride=2):
        super().__init__()
        self.maps, self.dims = maps, dims
        self.conv = nn.Conv2d(in_channels, maps * dims, kernel, stride)

    def forward(self, features):
        grid = self.conv(features)                                     # [N, maps*dims, H, W]
        n, _, h, w = grid.shape
        u = grid.view(n, self.maps, self.dims, h, w).permute(0, 1, 3, 4, 2).reshape(n, self.maps * h * w, self.dims)
        return squash(u)                                               # [N, 1152, 8]


class DigitCaps(nn.Module):
    def __init__(self, inputs=1152, in_dims=8, parents=CLASSES, out_dims=CAPSULE_DIMS, iterations=3):
        super().__init__()
        self.parents, self.out_dims, self.iterations = parents, out_dims, iterations
        self.weights = nn.Parameter(torch.randn(inputs, parents * out_dims, in_dims) * 0.01)

    def forward(self, u):
        n, inputs, _ = u.shape
        u_hat = torch.einsum("iod,nid->nio", self.weights, u).view(n, inputs, self.parents, self.out_dims)  # u^_j|i
        b = torch.zeros(n, inputs, self.parents, dtype=u.dtype)
        for r in range(self.iterations):
            c = F.softmax(b, dim=2)                                     # over the parents j, for each input i
            v = squash(torch.einsum("nij,nijd->njd", c, u_hat))         # v_j = squash(sum_i c_ij u^_j|i)
            if r < self.iterations - 1:
                b = b + torch.einsum("nijd,njd->nij", u_hat, v)         # agreement u^_j|i . v_j
        return v                                                        # [N, 10, 16]


class CapsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 256, 9)
        self.primaryCaps = PrimaryCaps()
        self.digitCaps = DigitCaps()
        self.decoder = nn.Sequential(collections.OrderedDict([
            ("flatten", nn.Flatten()),
            ("hidden1", nn.Linear(CLASSES * CAPSULE_DIMS, 512)), ("relu1", nn.ReLU()),
            ("hidden2", nn.Linear(512, 1024)), ("relu2", nn.ReLU()),
            ("output", nn.Linear(1024, SIDE * SIDE)), ("sigmoid", nn.Sigmoid()),
        ]))

    def forward(self, images, labels=None):
        digits = self.digitCaps(self.primaryCaps(F.relu(self.conv1(images))))
        lengths = capsule_length(digits)
        chosen = labels if labels is not None else lengths.argmax(1)
        masked = digits * F.one_hot(chosen, CLASSES).to(digits.dtype).unsqueeze(-1)
        reconstruction = self.decoder(masked).view(-1, 1, SIDE, SIDE)
        return digits, lengths, reconstruction


def total_loss(lengths, labels, reconstruction, images, m_plus=0.9, m_minus=0.1, lam=0.5, weight=0.0005):
    present = F.one_hot(labels, CLASSES).to(lengths.dtype)
    margin = (present * F.relu(m_plus - lengths).square() + lam * (1 - present) * F.relu(lengths - m_minus).square()).sum(1)
    squared_error = (reconstruction - images).square().flatten(1).sum(1)
    return (margin + weight * squared_error).mean()


def load_model(path):
    model = CapsNet()
    with np.load(path) as archive:
        state = {name: torch.from_numpy(archive[name].copy()) for name in archive.files}
    model.load_state_dict(state, strict=True)    # every parameter, by the trainer's names and shapes
    return model


def load_data(path):
    with np.load(path) as archive:
        return torch.from_numpy(archive["images"].copy()), torch.from_numpy(archive["labels"].copy())


def shifted(pixels, generator, max_shift=2):
    """Each image moved by its own offset in [-max_shift, max_shift]^2, zero-padded (the trainer's RandomShift)."""
    n = pixels.shape[0]
    padded = F.pad(pixels, (max_shift, max_shift, max_shift, max_shift))
    dx = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    dy = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    rows = torch.arange(SIDE) + max_shift - dy[:, None]               # target (y, x) <- source (y - dy, x - dx)
    cols = torch.arange(SIDE) + max_shift - dx[:, None]
    return padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


class CpuAccounting:
    """Machine-wide busy ticks (/proc/stat) and this process's (/proc/self/stat), as the harness's CpuAccounting."""
    TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    @staticmethod
    def read():
        try:
            with open("/proc/stat") as f:
                cpu = f.readline().split()
            busy = sum(int(cpu[i]) for i in (1, 2, 3, 6, 7, 8))
            with open("/proc/self/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return busy, int(fields[11]) + int(fields[12]), time.perf_counter()
        except OSError:
            return None

    @classmethod
    def others_cores(cls, before, after):
        others = (after[0] - before[0]) - (after[1] - before[1])
        return max(0, others) / cls.TICKS / (after[2] - before[2])


def measure(call, warmup, repetitions, block_ms, max_others, max_retakes, label):
    """The harness's BlockTimer: each call timed on its own, grouped in blocks of at least block_ms; a block during
    which other processes used more than max_others cores is thrown away and taken again (at most max_retakes)."""
    for i in range(warmup):
        start = time.perf_counter()
        call()
        print(f"{label} warm-up {i + 1}/{warmup}: {(time.perf_counter() - start) * 1000:.1f} ms", file=sys.stderr)
    times, kept_wall, kept_cpu, kept_others, retaken = [], 0.0, 0.0, 0.0, 0
    while len(times) < repetitions:
        block = []
        cpu_before, account_before = time.process_time(), CpuAccounting.read()
        block_start = time.perf_counter()
        while True:
            start = time.perf_counter()
            call()
            block.append((time.perf_counter() - start) * 1000)
            if len(times) + len(block) >= repetitions or (time.perf_counter() - block_start) * 1000 >= block_ms:
                break
        wall = (time.perf_counter() - block_start) * 1000
        account_after = CpuAccounting.read()
        others = CpuAccounting.others_cores(account_before, account_after) if account_before and account_after else 0.0
        if wall >= 50 and others > max_others and retaken < max_retakes:
            retaken += 1
            print(f"{label}: a block of {len(block)} calls ({wall:.0f} ms) ran while others used {others:.2f} cores: taken again",
                  file=sys.stderr)
            time.sleep(0.25)
            continue
        times.extend(block)
        kept_wall += wall
        kept_cpu += (time.process_time() - cpu_before) * 1000
        kept_others += others * wall
        print(f"{label}: {len(times)}/{repetitions} calls, last {block[-1]:.2f} ms (others {others:.2f} cores)", file=sys.stderr)
    return {"milliseconds": times, "coresBusy": kept_cpu / kept_wall, "othersCores": kept_others / kept_wall, "retaken": retaken}


def check(args):
    """From the harness's weights and batch: capsule lengths, reconstruction and loss in train mode, and the gradient
    of the loss with respect to every parameter, each against the harness's reference (its TorchSharp model's)."""
    model = load_model(args.weights)
    model.train()
    with np.load(args.reference) as archive:
        reference = {name: torch.from_numpy(archive[name].copy()) for name in archive.files}
    images, labels = reference["images"], reference["labels"]
    _, lengths, reconstruction = model(images, labels)
    loss = total_loss(lengths, labels, reconstruction, images)
    loss.backward()
    gradients = {}
    for name, parameter in model.named_parameters():
        expected = reference.get("grad." + name)
        if expected is not None:
            gradients[name] = {"maxAbsDiff": (parameter.grad - expected).abs().max().item(),
                               "relNormDiff": ((parameter.grad - expected).norm() / expected.norm()).item()}
    return {"lengthsMaxAbsDiff": (lengths.detach() - reference["lengths"]).abs().max().item(),
            "reconstructionMaxAbsDiff": (reconstruction.detach() - reference["reconstruction"]).abs().max().item(),
            "lossAbsDiff": abs(loss.item() - reference["loss"].item()),
            "gradients": gradients}


def train(args):
    model = load_model(args.weights)
    model.train()
    pixels, labels = load_data(args.data)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(pixels.shape[0], generator=generator)
    state = {"position": 0, "steps": 0, "loss": torch.zeros((), dtype=torch.float64), "correct": torch.zeros((), dtype=torch.int64)}

    def step():
        if state["position"] + args.batch > order.shape[0]:
            state["position"] = 0
        chosen = order[state["position"]:state["position"] + args.batch]
        state["position"] += args.batch
        images = shifted(pixels[chosen], generator).unsqueeze(1).float().div_(255)
        batch_labels = labels[chosen]
        _, lengths, reconstruction = model(images, batch_labels)
        loss = total_loss(lengths, batch_labels, reconstruction, images)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        state["loss"] += loss.detach().double() * args.batch
        state["correct"] += (lengths.argmax(1) == batch_labels).sum()
        state["steps"] += 1

    timing = measure(step, args.warmup, args.steps, 0, args.max_others_cores, args.max_retakes, f"pytorch train batch {args.batch}")
    timing["meanLoss"] = state["loss"].item() / (state["steps"] * args.batch)
    return timing


def infer(args):
    model = load_model(args.weights)
    model.eval()
    pixels, _ = load_data(args.data)
    images = pixels[:args.batch].unsqueeze(1).float().div(255)    # built once, outside the timing

    def forward():
        with torch.no_grad():
            _, lengths, _ = model(images)
            lengths.numpy().copy()                                   # read back, as a service would

    return measure(forward, args.warmup, args.steps, args.block_ms, args.max_others_cores, args.max_retakes,
                   f"pytorch forward batch {args.batch}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["check", "train", "infer"])
    parser.add_argument("--weights", required=True, help=".npz of every parameter by the trainer's names")
    parser.add_argument("--reference", help="check: .npz with images, labels, lengths, reconstruction, loss, grad.<name>")
    parser.add_argument("--data", help="train/infer: .npz with images (uint8 [M, 28, 28]) and labels (int64 [M])")
    parser.add_argument("--threads", type=int, required=True, help="torch.set_num_threads (and interop threads)")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10, help="timed calls")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--block-ms", type=float, default=250)
    parser.add_argument("--max-others-cores", type=float, default=0.15)
    parser.add_argument("--max-retakes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(args.seed)
    result = {"check": check, "train": train, "infer": infer}[args.mode](args)
    result.update({"mode": args.mode, "batch": args.batch, "torchVersion": torch.__version__,
                   "numpyVersion": np.__version__, "python": sys.executable, "threads": torch.get_num_threads(),
                   "peakResidentMiB": peak_resident_mib()})
    print(MARKER + json.dumps(result), flush=True)


def peak_resident_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


if __name__ == "__main__":
    main()
