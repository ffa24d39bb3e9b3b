"""The paper's growing NCA in PyTorch eager mode, the way the article's notebook runs it, timed on
this machine: the yardstick for `morphogen bench` (run both in one sitting; compare ratios).

Prints one JSON line per figure:
  {"torch": ..., "device": ..., "sim_size": N, "cell_updates_per_s": ...}   inference, all alive
  {"torch": ..., "device": ..., "train_iters_per_s": ...}                    batch 8, 72x72, 80 steps
  {"torch": ..., "device": ..., "train_creatures": K, "train_iters_per_s": ...}  K models at once
Usage: torch_nca.py [--device cpu|cuda] [--sizes 72,256,1024] [--train] [--creatures 16]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


class Rule(torch.nn.Module):
    """16 channels; identity and Sobel perception (48 features); 128 hidden; 16 outputs."""

    def __init__(self, channels=16, hidden=128, fire_rate=0.5):
        super().__init__()
        self.channels, self.fire_rate = channels, fire_rate
        self.fc0 = torch.nn.Conv2d(3 * channels, hidden, 1)
        self.fc1 = torch.nn.Conv2d(hidden, channels, 1)
        with torch.no_grad():
            # Small but not zero, so that the timed steps do real work.
            self.fc1.weight.normal_(0.0, 0.01)
            self.fc1.bias.zero_()
        sx = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
        ident = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
        bank = torch.stack([ident, sx, sx.t()])  # [3, 3, 3]
        self.register_buffer("bank", bank.repeat(channels, 1, 1)[:, None])  # [3c, 1, 3, 3]

    def living(self, x):
        return F.max_pool2d(x[:, 3:4], 3, stride=1, padding=1) > 0.1

    def forward(self, x):
        before = self.living(x)
        y = F.conv2d(x, self.bank, padding=1, groups=self.channels)
        dx = self.fc1(F.relu(self.fc0(y)))
        fire = (torch.rand_like(x[:, :1]) < self.fire_rate).to(x.dtype)
        x = x + dx * fire
        return x * (before & self.living(x)).to(x.dtype)


def seeded(n, h, w, device):
    x = torch.zeros(n, 16, h, w, device=device)
    x[:, 3:, h // 2, w // 2] = 1.0
    return x


def wait(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def simulation(rule, size, device, seconds):
    # Every cell alive, as in `morphogen bench`: the network runs everywhere.
    x = torch.zeros(1, 16, size, size, device=device)
    x[:, 3:] = 0.5
    with torch.no_grad():
        for _ in range(3):
            rule(x)
        wait(device)
        t0, steps = time.perf_counter(), 0
        while time.perf_counter() - t0 < seconds:
            for _ in range(10):
                rule(x)  # the state is not carried over, so it stays all alive
            steps += 10
        wait(device)
    return steps * size * size / (time.perf_counter() - t0)


def normalised(model):
    for p in model.parameters():
        if p.grad is not None:
            p.grad /= p.grad.norm() + 1e-8


def training(rules, device, iters):
    """Batch 8 per rule, 72x72, 80 steps from the seed, RGBA MSE, normalised gradients, Adam."""
    opts = [torch.optim.Adam(r.parameters(), lr=2e-3) for r in rules]
    targets = [torch.rand(1, 4, 72, 72, device=device) for _ in rules]

    def one():
        for r, o, t in zip(rules, opts, targets):
            x = seeded(8, 72, 72, device)
            for _ in range(80):
                x = r(x)
            loss = F.mse_loss(x[:, :4], t.expand(8, -1, -1, -1))
            o.zero_grad()
            loss.backward()
            normalised(r)
            o.step()

    one()
    wait(device)
    t0 = time.perf_counter()
    for _ in range(iters):
        one()
    wait(device)
    return iters / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--sizes", default="72,256,1024")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--train-iters", type=int, default=5)
    ap.add_argument("--creatures", type=int, default=0, help="also train this many models at once")
    a = ap.parse_args()
    name = torch.cuda.get_device_name() if a.device.startswith("cuda") else f"CPU ({torch.get_num_threads()} threads)"
    head = {"torch": torch.__version__, "device": name}
    rule = Rule().to(a.device)
    for s in [int(v) for v in a.sizes.split(",") if v]:
        print(json.dumps({**head, "sim_size": s, "cell_updates_per_s": simulation(rule, s, a.device, a.seconds)}), flush=True)
    if a.train:
        ips = training([rule], a.device, a.train_iters)
        print(json.dumps({**head, "train_iters_per_s": ips}), flush=True)
    if a.creatures > 0:
        rules = [Rule().to(a.device) for _ in range(a.creatures)]
        ips = training(rules, a.device, max(1, a.train_iters // 2))
        print(json.dumps({**head, "train_creatures": a.creatures, "train_iters_per_s": ips * a.creatures}), flush=True)


if __name__ == "__main__":
    main()
