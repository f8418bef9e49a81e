# One Slipway model instance in Python: loads one model (sklearn, xgboost, torchscript or a model.py class) and answers
# its calls, framed on stdin/stdout as [u32 header length][u32 payload length][JSON header][raw little-endian tensor bytes].
#
# Only the standard library is imported at start, so a host without numpy still answers "load" with the module named.
# Anything the model prints goes to stderr (the server log): the protocol owns the original stdout alone.

import hashlib
import importlib.util
import json
import mmap
import os
import struct
import sys
import time
import traceback

PROTO_IN = sys.stdin.buffer
PROTO_OUT = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)  # C extensions writing to fd 1 land in stderr too
sys.stdout = sys.stderr

np = None  # numpy, imported by "load" (its absence is reported like any missing module)

DTYPES = {
    "BOOL": "?", "UINT8": "u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8",
    "INT8": "i1", "INT16": "<i2", "INT32": "<i4", "INT64": "<i8",
    "FP16": "<f2", "FP32": "<f4", "FP64": "<f8",
}


class MissingModule(Exception):
    def __init__(self, module):
        super().__init__(module)
        self.module = module


def read_exact(n):
    chunks = []
    while n > 0:
        chunk = PROTO_IN.read(n)
        if not chunk:
            sys.exit(0)  # the server closed our stdin: it is done with this instance
        chunks.append(chunk)
        n -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_into(n):
    """The payload in a bytearray: numpy views on it are writable, for models that change their inputs in place."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = PROTO_IN.readinto(view[got:])
        if not k:
            sys.exit(0)
        got += k
    return buf


SEGMENTS = {}  # shared-memory segment path -> its mapping, kept across calls (remapped when the file has grown)


def segment(path, need):
    """A writable mapping of at least `need` bytes of the segment file (made or grown here when it is smaller)."""
    mapped = SEGMENTS.get(path)
    if mapped is not None and len(mapped) >= need:
        return mapped
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size < need:
            size = 1 << max(20, (need - 1).bit_length())  # powers of two: similar sizes settle on one mapping
            os.ftruncate(fd, size)
        # The old mapping is dropped, not closed: arrays a model kept may still view it.
        SEGMENTS[path] = mapped = mmap.mmap(fd, size)
    finally:
        os.close(fd)
    return mapped


def read_frame():
    header_len, payload_len = struct.unpack("<II", read_exact(8))
    header = json.loads(read_exact(header_len))
    payload = read_into(payload_len) if payload_len else bytearray()
    return header, payload


def write_frame(header, parts=()):
    body = json.dumps(header, separators=(",", ":")).encode()
    PROTO_OUT.write(struct.pack("<II", len(body), sum(len(p) for p in parts)))
    PROTO_OUT.write(body)
    for p in parts:
        PROTO_OUT.write(p)
    PROTO_OUT.flush()


def decode_tensor(spec, payload):
    """A numpy view on the payload (no per-element work), except BYTES: u32 length + UTF-8 per element."""
    shape, start, size = spec["shape"], spec["offset"], spec["bytes"]
    view = memoryview(payload)[start:start + size]
    if spec["datatype"] == "BYTES":
        items, at = [], 0
        while at < size:
            (n,) = struct.unpack_from("<I", view, at)
            items.append(bytes(view[at + 4:at + 4 + n]).decode("utf-8", "surrogateescape"))
            at += 4 + n
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)
    return np.frombuffer(view, dtype=DTYPES[spec["datatype"]]).reshape(shape)


def datatype_of(array):
    kind = array.dtype.kind
    if kind in "OUS":
        return "BYTES"
    for name, code in DTYPES.items():
        if np.dtype(code) == array.dtype:
            return name
    raise TypeError(f"numpy dtype {array.dtype} has no v2 datatype")


def encode_tensors(outputs):
    """Header entries and payload parts; each tensor starts at an 8-byte boundary so the server views it in place."""
    specs, parts, offset = [], [], 0
    for name, value in outputs.items():
        array = np.asarray(value)
        datatype = datatype_of(array)
        if datatype == "BYTES":
            pieces = []
            for item in array.reshape(-1):
                raw = item if isinstance(item, bytes) else str(item).encode("utf-8", "surrogateescape")
                pieces.append(struct.pack("<I", len(raw)))
                pieces.append(raw)
            data = b"".join(pieces)
        else:
            data = np.ascontiguousarray(array, dtype=np.dtype(DTYPES[datatype])).tobytes()
        pad = (-offset) % 8
        if pad:
            parts.append(b"\0" * pad)
            offset += pad
        specs.append({"name": name, "datatype": datatype, "shape": list(array.shape), "offset": offset, "bytes": len(data)})
        parts.append(data)
        offset += len(data)
    return specs, parts


def cast_to(value, spec):
    """Adapters (sklearn, xgboost) answer in the declared datatype and rank: their dtypes are the library's choice."""
    array = np.asarray(value)
    if spec["datatype"] == "BYTES":
        array = array.astype(str).astype(object)
    else:
        array = array.astype(DTYPES[spec["datatype"]], copy=False)
    if len(spec["shape"]) == 2 and array.ndim == 1:
        array = array.reshape(-1, 1)
    elif len(spec["shape"]) == 1 and array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(-1)
    return array


def require(module):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        raise MissingModule((err.name or module).split(".")[0]) from err


def single_input(signature, fmt):
    if len(signature["inputs"]) != 1:
        raise ValueError(f"a {fmt} model takes one input (its feature matrix), the signature declares {len(signature['inputs'])}")
    return signature["inputs"][0]["name"]


class SklearnModel:
    """A pickled or joblib-dumped estimator or pipeline; outputs by name: label/value (predict), probabilities (predict_proba)."""

    def __init__(self, path, signature):
        require("sklearn")
        if path.endswith(".joblib"):
            self.model = require("joblib").load(path)
        else:
            import pickle
            with open(path, "rb") as fh:
                self.model = pickle.load(fh)
        self.input = single_input(signature, "sklearn")
        self.outputs = {o["name"]: o for o in signature["outputs"]}
        self.methods = {}
        for name in self.outputs:
            method = {"label": "predict", "value": "predict", "prediction": "predict",
                      "probabilities": "predict_proba", "scores": "decision_function"}.get(name)
            if method is None:
                raise ValueError(f'output "{name}": a sklearn model\'s outputs are named label, value or prediction (predict), probabilities (predict_proba) or scores (decision_function)')
            if not hasattr(self.model, method):
                raise ValueError(f'output "{name}" needs {type(self.model).__name__}.{method}, which the model does not have')
            self.methods[name] = getattr(self.model, method)

    def predict(self, inputs, wanted):
        x = inputs[self.input]
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        return {name: cast_to(self.methods[name](x), self.outputs[name]) for name in wanted}


class XgboostModel:
    """A booster saved as JSON or UBJ; outputs by name: probabilities (classes as columns), label (argmax), value (raw)."""

    def __init__(self, path, signature, threads):
        xgb = require("xgboost")
        self.booster = xgb.Booster(params={"nthread": threads})
        self.booster.load_model(path)
        self.input = single_input(signature, "xgboost")
        self.outputs = {o["name"]: o for o in signature["outputs"]}
        for name in self.outputs:
            if name not in ("probabilities", "label", "value"):
                raise ValueError(f'output "{name}": an xgboost model\'s outputs are named probabilities, label or value')

    def predict(self, inputs, wanted):
        x = inputs[self.input]
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        raw = np.asarray(self.booster.inplace_predict(x))
        # binary:logistic answers P(class 1) per row; as class columns it reads like every other classifier
        proba = np.stack([1 - raw, raw], axis=1) if raw.ndim == 1 else raw
        out = {}
        for name in wanted:
            value = raw if name == "value" else proba if name == "probabilities" else np.argmax(proba, axis=1)
            out[name] = cast_to(value, self.outputs[name])
        return out


class TorchScriptModel:
    """A TorchScript module (torch.jit.save): forward takes the inputs in signature order and returns one tensor, a
    tuple in output order or a dict by output name; answers are cast to the declared datatypes."""

    def __init__(self, path, signature, threads):
        self.torch = require("torch")
        self.torch.set_num_threads(threads)  # one instance, its own threads (the runtime config's intraOpThreads)
        self.module = self.torch.jit.load(path, map_location="cpu").eval()
        self.inputs = [i["name"] for i in signature["inputs"]]
        self.outputs = {o["name"]: o for o in signature["outputs"]}
        if any(i["datatype"] == "BYTES" for i in signature["inputs"]):
            raise ValueError("a torchscript model takes numeric tensors; BYTES inputs need a python-format model")

    def predict(self, inputs, wanted):
        with self.torch.inference_mode():
            result = self.module(*[self.torch.from_numpy(inputs[name]) for name in self.inputs])
        names = list(self.outputs)
        if isinstance(result, dict):
            values = result
        elif isinstance(result, (tuple, list)):
            values = dict(zip(names, result))
        else:
            values = {names[0]: result}
        missing = [n for n in wanted if n not in values]
        if missing:
            raise KeyError(f'forward returned no output "{missing[0]}"')
        return {name: cast_to(values[name].detach().cpu().numpy(), self.outputs[name]) for name in wanted}


class InvalidInput(ValueError):
    """Raised by a handler (or model.py) to refuse a request as the client's fault: 400 with the message, not 500.
    Package modules find it as a global, `InvalidInput`, without importing anything."""


def import_file(path, name):
    """A package file as a module; a module it imports that the host lacks is reported by name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.InvalidInput = InvalidInput
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as err:
        raise MissingModule((err.name or "?").split(".")[0]) from err
    return module


class PythonModel:
    """A model.py holding one class with load(dir) and predict(inputs) -> outputs; its answers are checked, not cast."""

    def __init__(self, path, directory):
        module = import_file(path, "slipway_model")
        classes = [c for c in vars(module).values()
                   if isinstance(c, type) and c.__module__ == module.__name__ and callable(getattr(c, "predict", None))]
        if len(classes) != 1:
            raise ValueError(f"{os.path.basename(path)} must define exactly one class with a predict method, found {len(classes)}")
        self.model = classes[0]()
        if callable(getattr(self.model, "load", None)):
            try:
                self.model.load(directory)
            except ModuleNotFoundError as err:
                raise MissingModule((err.name or "?").split(".")[0]) from err

    def predict(self, inputs, wanted):
        """`wanted` None: every output predict returns (a handler's postprocess picks from them)."""
        outputs = self.model.predict(inputs)
        if not isinstance(outputs, dict):
            raise TypeError(f"predict returned {type(outputs).__name__}, expected a dict of output name -> numpy array")
        if wanted is None:
            return outputs
        missing = [n for n in wanted if n not in outputs]
        if missing:
            raise KeyError(f'predict returned no output "{missing[0]}" (it returned {", ".join(map(str, outputs)) or "none"})')
        return {name: outputs[name] for name in wanted}


class Handled:
    """A model behind the package's handler: preprocess turns the declared inputs into the model's, postprocess the
    model's outputs into the declared ones; both run here, beside the model, in the same call."""

    def __init__(self, model, handler, inner):
        self.model, self.handler = model, handler
        self.inner_outputs = [o["name"] for o in inner["outputs"]] if inner else None
        self.micros = None  # the last call's handler time, pre and post (µs): metrics show it apart from the model's

    def predict(self, inputs, wanted):
        pre = getattr(self.handler, "preprocess", None)
        post = getattr(self.handler, "postprocess", None)
        started = time.perf_counter()
        fed = pre(inputs) if pre else inputs
        pre_done = time.perf_counter()
        outputs = self.model.predict(fed, self.inner_outputs)
        post_start = time.perf_counter()
        result = post(outputs, inputs) if post else outputs
        self.micros = {"pre": (pre_done - started) * 1e6, "post": (time.perf_counter() - post_start) * 1e6}
        if not isinstance(result, dict):
            raise TypeError(f"postprocess returned {type(result).__name__}, expected a dict of output name -> numpy array")
        missing = [n for n in wanted if n not in result]
        if missing:
            raise KeyError(f'the handler returned no output "{missing[0]}"')
        return {name: result[name] for name in wanted}


def load(header):
    global np
    path, directory, signature = header["model"], header["dir"], header["signature"]
    with open(path, "rb") as fh:
        if hashlib.sha256(fh.read()).hexdigest() != header["sha256"]:
            raise ValueError(f"{path} does not hold the pushed model (its SHA-256 differs)")
    np = require("numpy")
    sys.path.insert(0, directory)  # a pickle's custom transformers and model.py's helpers live in the package
    fmt = header["format"]
    handler = import_file(os.path.join(directory, header["handler"]), "slipway_handler") if header.get("handler") else None
    # With a handler, the declared signature is what clients see; the model's own tensors are the handler's to declare.
    inner = signature if handler is None else getattr(handler, "MODEL_SIGNATURE", None)
    if inner is None and fmt != "python":
        raise ValueError(f"{header['handler']} must set MODEL_SIGNATURE = {{'inputs': [...], 'outputs': [...]}}: the {fmt} model's own tensors")
    if fmt == "sklearn":
        model = SklearnModel(path, inner)
    elif fmt == "xgboost":
        model = XgboostModel(path, inner, header["threads"])
    elif fmt == "torchscript":
        model = TorchScriptModel(path, inner, header["threads"])
    elif fmt == "python":
        model = PythonModel(path, directory)
    else:
        raise ValueError(f"unknown format {fmt}")
    return model if handler is None else Handled(model, handler, inner)


def main():
    model = None
    while True:
        header, payload = read_frame()
        call = header["id"]
        try:
            if header["op"] == "load":
                model = load(header)
                write_frame({"op": "loaded", "id": call})
            elif header["op"] == "run":
                if header.get("shm"):  # large inputs: in the shared segment, not after the header
                    payload = segment(header["shm"], max((t["offset"] + t["bytes"] for t in header["tensors"]), default=0))
                inputs = {t["name"]: decode_tensor(t, payload) for t in header["tensors"]}
                specs, parts = encode_tensors(model.predict(inputs, header["outputs"]))
                reply = {"op": "result", "id": call, "tensors": specs}
                if isinstance(model, Handled):
                    reply["handler"] = model.micros
                total = sum(len(p) for p in parts)
                if header.get("shm_out") and total >= header["shm_min"]:
                    out, at = segment(header["shm_out"], total), 0
                    for p in parts:
                        out[at:at + len(p)] = p
                        at += len(p)
                    reply["shm_out_bytes"] = total
                    parts = ()
                write_frame(reply, parts)
            else:
                raise ValueError(f"unknown op {header['op']}")
        except MissingModule as err:
            write_frame({"op": "failed", "id": call, "kind": "missing_module", "module": err.module, "message": f"no module named {err.module}"})
        except InvalidInput as err:  # the client's input, refused on purpose: no traceback in the log
            write_frame({"op": "failed", "id": call, "kind": "invalid_input", "message": str(err)})
        except Exception as err:  # the call fails, the instance lives on
            sys.stderr.write(f"slipway: {header['op']} failed:\n{traceback.format_exc()}")
            sys.stderr.flush()
            write_frame({"op": "failed", "id": call, "kind": "error", "message": f"{type(err).__name__}: {err}"})


if __name__ == "__main__":
    main()
