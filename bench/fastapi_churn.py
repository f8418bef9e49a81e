#!/usr/bin/python3
# The baseline the python bench section compares Slipway with: the churn scikit-learn pipeline behind a plain FastAPI
# route (Debian's python3-fastapi + python3-uvicorn), answering the v2 JSON request as Slipway does. One uvicorn worker,
# a sync route (FastAPI runs it in its thread pool), one predict call per request: how such a server is usually written.
#
#     /usr/bin/python3 bench/fastapi_churn.py examples/churn      # prints "listening on http://127.0.0.1:PORT"

import os
import pickle
import socket
import sys

import numpy as np
import uvicorn
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

os.environ.setdefault("OMP_NUM_THREADS", "1")
PACKAGE = os.path.abspath(sys.argv[1])
sys.path.insert(0, PACKAGE)  # the pickle's own transformer module
with open(os.path.join(PACKAGE, "model.pkl"), "rb") as fh:
    MODEL = pickle.load(fh)

app = FastAPI()


@app.post("/v2/models/churn/infer")
def infer(body: dict = Body(...)):
    tensor = body["inputs"][0]
    x = np.array(tensor["data"], dtype=object).reshape(tensor["shape"])
    labels = MODEL.predict(x)
    proba = MODEL.predict_proba(x).astype(np.float32)
    return JSONResponse({"model_name": "churn", "outputs": [
        {"name": "label", "datatype": "INT64", "shape": [len(labels)], "data": labels.astype(np.int64).tolist()},
        {"name": "probabilities", "datatype": "FP32", "shape": list(proba.shape), "data": proba.reshape(-1).tolist()},
    ]})


if __name__ == "__main__":
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it: no 40 ms Nagle stalls
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
