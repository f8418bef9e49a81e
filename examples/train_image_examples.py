#!/usr/bin/python3
# Builds the two image-classifier example packages: examples/shapes-torch (TorchScript, with a Python handler) and
# examples/shapes-onnx (the same weights exported to ONNX, with the equivalent JavaScript handler). Both take JPEG or
# PNG bytes (base64 text in a BYTES element) and answer the top-3 labels. A tiny CNN trained on synthetic coloured
# shapes: deterministic (fixed seeds, one thread), a few seconds on a CPU, artifacts of a few kilobytes.
#
# Run from the repository root with Debian's python (apt-get install python3-torch python3-pil):
#
#     /usr/bin/python3 examples/train_image_examples.py

import base64
import io
import json
import os

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_DIR = os.path.join(HERE, "shapes-torch")
ONNX_DIR = os.path.join(HERE, "shapes-onnx")
LABELS = ["red-disc", "green-square", "blue-triangle", "yellow-ring", "white-cross"]
SIZE = 32  # the model's input: [n, 3, 32, 32], RGB in [0, 1] normalised by MEAN/STD (the handlers do it)
MEAN, STD = 0.5, 0.25


def draw(kind, rng, size=SIZE):
    """One RGB image (uint8) of class `kind` on a noisy grey background, at a random place and scale."""
    bg = rng.integers(40, 160)
    img = np.clip(rng.normal(bg, 12, (size, size, 3)), 0, 255)
    yy, xx = np.mgrid[0:size, 0:size] / size
    cx, cy = rng.uniform(0.35, 0.65, 2)
    r = rng.uniform(0.2, 0.32)
    dx, dy = xx - cx, yy - cy
    if kind == 0:
        mask, colour = dx ** 2 + dy ** 2 < r ** 2, (220, 40, 40)
    elif kind == 1:
        mask, colour = (abs(dx) < r * 0.85) & (abs(dy) < r * 0.85), (40, 200, 60)
    elif kind == 2:
        mask, colour = (dy < r * 0.8) & (dy > -r) & (abs(dx) < (dy + r) * 0.6), (50, 70, 230)
    elif kind == 3:
        d = np.sqrt(dx ** 2 + dy ** 2)
        mask, colour = (d < r) & (d > r * 0.55), (230, 210, 40)
    else:
        mask, colour = ((abs(dx) < r * 0.25) & (abs(dy) < r)) | ((abs(dy) < r * 0.25) & (abs(dx) < r)), (240, 240, 240)
    jitter = rng.normal(0, 15, 3)
    img[mask] = np.clip(np.array(colour) + jitter, 0, 255)
    return img.astype(np.uint8)


class Net(torch.nn.Module):
    """conv 3->8, conv 8->16 (3x3, ReLU, 2x2 max-pool each), global average, linear 16->5, softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, padding=1)
        self.out = torch.nn.Linear(16, len(LABELS))

    def forward(self, image):
        x = torch.max_pool2d(torch.relu(self.conv1(image)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return torch.softmax(self.out(x.mean(dim=(2, 3))), dim=1)


def to_input(images):
    return torch.from_numpy(((np.stack(images).astype(np.float32) / 255 - MEAN) / STD).transpose(0, 3, 1, 2).copy())


def train():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    kinds = np.arange(1500) % len(LABELS)
    x = to_input([draw(k, rng) for k in kinds])
    y = torch.from_numpy(kinds)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _epoch in range(25):
        order = torch.randperm(len(y))
        for start in range(0, len(y), 100):
            idx = order[start:start + 100]
            opt.zero_grad()
            loss = torch.nn.functional.nll_loss(torch.log(net(x[idx]) + 1e-9), y[idx])
            loss.backward()
            opt.step()
    net.eval()
    test_kinds = np.arange(200) % len(LABELS)
    test_x = to_input([draw(k, rng) for k in test_kinds])
    with torch.no_grad():
        accuracy = float((net(test_x).argmax(dim=1).numpy() == test_kinds).mean())
    return net, accuracy


def jpeg_base64(img):
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=95)
    return base64.b64encode(buf.getvalue()).decode()


SIGNATURE = f"""labels: [{", ".join(LABELS)}]
signature:
  inputs: [{{name: image, datatype: BYTES, shape: [-1]}}]
  outputs:
    - {{name: labels, datatype: BYTES, shape: [-1, 3]}}
    - {{name: scores, datatype: FP32, shape: [-1, 3]}}
    - {{name: label, datatype: INT64, shape: [-1]}}
tests:
  - {{name: golden-accuracy, data: golden.csv, target: label, output: label, metric: accuracy, threshold: 0.9}}
"""


def main():
    net, accuracy = train()
    os.makedirs(TORCH_DIR, exist_ok=True)
    os.makedirs(ONNX_DIR, exist_ok=True)
    torch.jit.script(net).save(os.path.join(TORCH_DIR, "model.pt"))
    torch.onnx.export(net, to_input([draw(0, np.random.default_rng(1))]), os.path.join(ONNX_DIR, "model.onnx"),
                      input_names=["image"], output_names=["probabilities"],
                      dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=13)
    description = (f"Coloured-shape image classifier (a tiny CNN, 32x32 RGB) on synthetic images; JPEG/PNG in (base64 BYTES), "
                   f"top-3 labels and the top class id out; held-out accuracy {accuracy:.3f}")
    with open(os.path.join(TORCH_DIR, "slipway.yaml"), "w") as fh:
        fh.write(f"name: shapes-torch\ndescription: {description}, TorchScript with a Python handler\nformat: torchscript\n"
                 f"model: model.pt\nhandler: handler.py\ntask: other\n{SIGNATURE}")
    with open(os.path.join(ONNX_DIR, "slipway.yaml"), "w") as fh:
        fh.write(f"name: shapes-onnx\ndescription: {description}, ONNX with a JavaScript handler\nformat: onnx\n"
                 f"model: model.onnx\nhandler: handler.mjs\ntask: other\n{SIGNATURE}")
    golden_rng = np.random.default_rng(11)
    golden = ["image,label"] + [f"{jpeg_base64(draw(k, golden_rng, size=40))},{LABELS[k]}" for k in np.arange(30) % len(LABELS)]
    for d in (TORCH_DIR, ONNX_DIR):
        with open(os.path.join(d, "golden.csv"), "w") as fh:
            fh.write("\n".join(golden) + "\n")
    rng = np.random.default_rng(7)
    samples = [jpeg_base64(draw(k, rng, size=48)) for k in (0, 2)]
    request = {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [2], "data": samples}]}
    for d in (TORCH_DIR, ONNX_DIR):
        with open(os.path.join(d, "request.json"), "w") as fh:
            json.dump(request, fh)
            fh.write("\n")
    print(f"shapes: held-out accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
