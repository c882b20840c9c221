"""The same benchmarks written the way a PyTorch user writes them: eager tensors, autograd, torch.optim.

These are the baseline every ratio is computed against.  They are written idiomatically, not to
mirror the graph programs op for op: NCHW convolutions, `F.cross_entropy` on probability targets,
`torch.optim.Adam` / `SGD`, numpy batches converted with `torch.from_numpy` and moved to the device
each step, as a training loop fed from numpy would do.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, List

import numpy as np
import torch
import torch.nn.functional as F

import workloads as wl
from timing import Case


def _sync_for(device: torch.device) -> Callable[[], None]:
    if device.type == "cuda":
        return torch.cuda.synchronize
    return lambda: None


def session_run(device: torch.device) -> Case:
    """numpy in, `a + b`, numpy out: the eager equivalent of one fed Session.run."""
    a = torch.tensor([5.0, 5.0, 5.0], device=device)
    feed = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    if device.type == "cpu":
        return Case(step=lambda: (a + torch.from_numpy(feed)).numpy())
    return Case(step=lambda: (a + torch.from_numpy(feed).to(device)).cpu().numpy())


def three_layer(device: torch.device, steps: int) -> Case:
    """One call = fresh weights and optimizer, then `steps` steps of torch.optim.Adam, batch 10."""
    X, Y = wl.three_layer_data()
    init = wl.three_layer_weights()
    bounds = wl.three_layer_batches(steps)
    all_x, all_y = torch.from_numpy(X).to(device), torch.from_numpy(Y).to(device)
    case = Case(step=lambda: None, sync=_sync_for(device))

    def loss_fn(w1: torch.Tensor, w2: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        y_hat = torch.relu(torch.relu(xb @ w1) @ w2)
        return -(yb * torch.log(torch.clamp(y_hat, 1e-10, 1.0))).mean()

    def step() -> None:
        w1 = torch.tensor(init["w1"], device=device, requires_grad=True)
        w2 = torch.tensor(init["w2"], device=device, requires_grad=True)
        opt = torch.optim.Adam([w1, w2], lr=wl.THREE_LAYER_LR)
        for start, end in bounds:
            xb = torch.from_numpy(X[start:end]).to(device)
            yb = torch.from_numpy(Y[start:end]).to(device)
            opt.zero_grad()
            loss_fn(w1, w2, xb, yb).backward()
            opt.step()
        with torch.no_grad():
            case.info["final_loss"] = float(loss_fn(w1, w2, all_x, all_y))

    case.step = step
    return case


def softmax(device: torch.device) -> Case:
    """One call = one SGD step of softmax regression on a fed batch of 100."""
    W = torch.zeros(wl.PIXELS, wl.CLASSES, device=device, requires_grad=True)
    b = torch.zeros(wl.CLASSES, device=device, requires_grad=True)
    opt = torch.optim.SGD([W, b], lr=wl.SOFTMAX_LR)
    batches = wl.mnist_like_batches(wl.SOFTMAX_BATCH)
    state = {"i": 0}

    def step() -> None:
        state["i"] += 1
        images, labels = batches[state["i"] % len(batches)]
        x = torch.from_numpy(images).to(device)
        y = torch.from_numpy(labels).to(device)
        opt.zero_grad()
        F.cross_entropy(x @ W + b, y).backward()
        opt.step()

    return Case(step=step, sync=_sync_for(device))


class CNN(torch.nn.Module):
    """The deep MNIST CNN in PyTorch's own layout (NCHW), initialized as the TF program does."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = torch.nn.Linear(7 * 7 * 64, 1024)
        self.fc2 = torch.nn.Linear(1024, wl.CLASSES)
        with torch.no_grad():
            for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
                torch.nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2)
                layer.bias.fill_(0.1)

    def forward(self, x: torch.Tensor, keep_prob: float = 1.0) -> torch.Tensor:
        h = F.max_pool2d(F.relu(self.conv1(x.view(-1, 1, 28, 28))), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = F.relu(self.fc1(h.flatten(1)))
        h = F.dropout(h, p=1.0 - keep_prob, training=keep_prob < 1.0)
        return self.fc2(h)


def _cnn_trainer(device: torch.device, batch: int) -> Dict[str, object]:
    model = CNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=wl.CNN_LR)
    batches = wl.mnist_like_batches(batch, n=4)
    state = {"i": 0}

    def step() -> None:
        state["i"] += 1
        images, labels = batches[state["i"] % len(batches)]
        x = torch.from_numpy(images).to(device)
        y = torch.from_numpy(labels).to(device)
        opt.zero_grad()
        F.cross_entropy(model(x, wl.CNN_KEEP_PROB), y).backward()
        opt.step()

    return {"model": model, "opt": opt, "step": step}


def cnn(device: torch.device, batch: int) -> Case:
    """One call = one Adam training step of the CNN (dropout on) on a fed batch."""
    return Case(step=_cnn_trainer(device, batch)["step"], sync=_sync_for(device))


def build_and_first_run(device: torch.device, batch: int) -> Case:
    """One call = create the model and optimizer, run the first training step."""
    made: List[object] = []

    def step() -> None:
        trainer = _cnn_trainer(device, batch)
        trainer["step"]()  # type: ignore[operator]
        made.append(trainer)

    return Case(step=step, sync=_sync_for(device), after_call=made.clear)


def checkpoint(device: torch.device, workdir: str, which: str) -> Case:
    """`which` = "save" or "restore": torch.save / torch.load of the model's and Adam's state dicts."""
    trainer = _cnn_trainer(device, 50)
    trainer["step"]()  # type: ignore[operator]
    model, opt = trainer["model"], trainer["opt"]
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "model.pt")

    def save() -> None:
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)  # type: ignore[union-attr]

    def restore() -> None:
        state = torch.load(path, map_location=device)
        model.load_state_dict(state["model"])  # type: ignore[union-attr]
        opt.load_state_dict(state["optimizer"])  # type: ignore[union-attr]

    save()
    return Case(step=save if which == "save" else restore, sync=_sync_for(device),
                info={"checkpoint_mb": os.path.getsize(path) / 2 ** 20})
