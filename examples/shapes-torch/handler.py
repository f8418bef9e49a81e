# Pre/post-processing of the shapes-torch example, beside its TorchScript model in the Python worker: JPEG/PNG bytes
# (base64 text or a data URL, one BYTES element per image) -> the model's normalised 32x32 RGB tensor; class probabilities -> the
# top-3 labels and their scores, and the top class id (what the golden test checks). It matches
# examples/shapes-onnx/handler.mjs step for step (the same bilinear resize, rounding and normalisation), so both
# packages answer alike.

import base64
import io

import numpy as np
from PIL import Image

MODEL_SIGNATURE = {
    "inputs": [{"name": "image", "datatype": "FP32", "shape": [-1, 3, 32, 32]}],
    "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 5]}],
}
LABELS = np.array(["red-disc", "green-square", "blue-triangle", "yellow-ring", "white-cross"], dtype=object)
SIZE, MEAN, STD = 32, 0.5, 0.25


def decode(element):
    """RGB uint8 [h, w, 3]; an empty element (warm-up, load check) is one black pixel."""
    if not element:
        return np.zeros((1, 1, 3), dtype=np.uint8)
    if element.startswith("data:"):
        element = element.split(",", 1)[1]
    raw = base64.b64decode(element.replace("-", "+").replace("_", "/") + "=" * (-len(element) % 4))
    if raw[:2] != b"\xff\xd8" and raw[:4] != b"\x89PNG":
        raise InvalidInput("the image is neither JPEG nor PNG (send the file's bytes as one BYTES element: base64 text, or raw over the binary extension or gRPC)")  # noqa: F821 (Slipway's)
    try:
        return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
    except OSError as err:
        raise InvalidInput(f"the image does not decode: {err}") from err  # noqa: F821


def resize(img, width, height):
    """Bilinear with half-pixel centres, no antialiasing, rounded half up: the same pixels as Slipway's resizeImage."""
    h, w = img.shape[:2]
    if (h, w) == (height, width):
        return img

    def axis(n_out, n_in):
        f = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
        lo = np.floor(f).astype(np.int64)
        return lo, np.minimum(lo + 1, n_in - 1), f - lo

    x0, x1, wx = axis(width, w)
    y0, y1, wy = axis(height, h)
    a = img.astype(np.float64)
    wx = wx[None, :, None]
    top = a[y0][:, x0] * (1 - wx) + a[y0][:, x1] * wx
    bottom = a[y1][:, x0] * (1 - wx) + a[y1][:, x1] * wx
    out = top * (1 - wy[:, None, None]) + bottom * wy[:, None, None]
    return np.floor(out + 0.5).astype(np.uint8)


def preprocess(inputs):
    images = [resize(decode(element), SIZE, SIZE) for element in inputs["image"].reshape(-1)]
    x = (np.stack(images).astype(np.float64) / 255 - MEAN) / STD
    return {"image": np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)}


def postprocess(outputs, inputs):
    p = outputs["probabilities"]
    top = np.argsort(-p, axis=1, kind="stable")[:, :3]
    return {"labels": LABELS[top], "scores": np.take_along_axis(p, top, axis=1).astype(np.float32), "label": top[:, 0].astype(np.int64)}
