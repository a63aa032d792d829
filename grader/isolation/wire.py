"""The byte format between a worker and the judge: JSON plus raw tensor bytes.

A worker runs student code, so whatever it sends may be forged. This format is
decoded without pickle: a JSON tree in which ``{"$tensor": i}`` and
``{"$tuple": [...]}`` stand for tensors and tuples, then the tensors' bytes.
Decoding checks every length, dtype and reference and builds fresh plain
``torch.Tensor`` objects, so nothing the worker defines can reach the judge.

Layout: ``MAGIC`` | 8-byte little-endian header length | header JSON | blobs.
"""

from __future__ import annotations

import ctypes
import json
import math
import struct

MAGIC = b"GRDR1\n"
MAX_HEADER = 64 << 20
MAX_STRING = 64 << 10  # characters of one string: no probe records more; a longer one is cut, saying so
MAX_KEY = 1000         # characters of one dict key: keys are the probe's own names

# dtype name -> bytes per element; the names are torch's own (torch.float32 -> "float32").
DTYPES = {
    "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8,
    "uint8": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8, "bool": 1,
    "complex64": 8, "complex128": 16,
}


class WireError(ValueError):
    """The bytes are not a well-formed message."""


def encode(tree) -> bytes:
    """Serialise a tree of None/bool/int/float/str/list/tuple/dict[str]/Tensor."""
    import torch

    blobs: list[bytes] = []
    metas: list[dict] = []
    offset = 0

    def walk(node):
        nonlocal offset
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, float):
            # JSON has no NaN or infinity: spell them out so they survive the trip.
            return node if math.isfinite(node) else {"$float": repr(node)}
        if isinstance(node, torch.Tensor):
            t = node.detach()
            if t.device.type != "cpu":
                t = t.to("cpu")
            # A fresh copy owns exactly its own bytes: its storage is the tensor.
            t = t.clone(memory_format=torch.contiguous_format)
            name = str(t.dtype).removeprefix("torch.")
            if name not in DTYPES:
                raise TypeError(f"cannot send tensors of dtype {t.dtype}")
            data = ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()) if t.numel() else b""
            metas.append({"dtype": name, "shape": list(t.shape), "offset": offset, "nbytes": len(data)})
            blobs.append(data)
            offset += len(data)
            return {"$tensor": len(metas) - 1}
        if isinstance(node, tuple):
            return {"$tuple": [walk(x) for x in node]}
        if isinstance(node, list):
            return [walk(x) for x in node]
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if not isinstance(key, str) or key.startswith("$"):
                    raise TypeError(f"cannot send a dict key {key!r}: keys are plain strings")
                out[key] = walk(value)
            return out
        raise TypeError(f"cannot send a {type(node).__name__}")

    tree = walk(tree)
    header = json.dumps({"tree": tree, "tensors": metas}, allow_nan=False).encode()
    return MAGIC + struct.pack("<Q", len(header)) + header + b"".join(blobs)


def decode(data: bytes | memoryview):
    """Rebuild the tree from ``encode``'s bytes; ``WireError`` if anything is off."""
    import torch

    data = memoryview(data)
    head = len(MAGIC) + 8
    if len(data) < head or bytes(data[: len(MAGIC)]) != MAGIC:
        raise WireError("not a grader message (bad magic)")
    (size,) = struct.unpack("<Q", data[len(MAGIC) : head])
    if size > MAX_HEADER or head + size > len(data):
        raise WireError("header length out of range")
    try:
        header = json.loads(bytes(data[head : head + size]))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"header is not JSON: {str(exc):.300}") from None
    if not isinstance(header, dict) or not isinstance(header.get("tensors"), list):
        raise WireError("header lacks a tensor table")
    body = data[head + size :]
    tensors = [_tensor(torch, meta, body) for meta in header["tensors"]]

    def walk(node, depth=0):
        if depth > 200:
            raise WireError("tree nested too deeply")
        if isinstance(node, str):
            return _string(node)
        if node is None or isinstance(node, (bool, int, float)):
            return node
        if isinstance(node, list):
            return [walk(x, depth + 1) for x in node]
        if isinstance(node, dict):
            if len(node) == 1:
                (key, value), = node.items()
                if key == "$tensor":
                    if type(value) is not int or not 0 <= value < len(tensors):
                        raise WireError(f"bad tensor reference {value!r:.100}")
                    return tensors[value]
                if key == "$tuple":
                    if not isinstance(value, list):
                        raise WireError("bad tuple")
                    return tuple(walk(x, depth + 1) for x in value)
                if key == "$float":
                    if value not in ("nan", "inf", "-inf"):
                        raise WireError(f"bad float {value!r:.100}")
                    return float(value)
            if any(k.startswith("$") for k in node):
                raise WireError(f"unknown tag in {sorted(node)[:5]}"[:200])
            if any(len(k) > MAX_KEY for k in node):
                raise WireError(f"a dict key longer than {MAX_KEY} characters")
            return {_string(k): walk(v, depth + 1) for k, v in node.items()}
        raise WireError(f"unexpected {type(node).__name__} in tree")

    return walk(header.get("tree"))


def _string(text: str) -> str:
    """A decoded string as the judge keeps it: at most ``MAX_STRING`` characters (a longer one says
    how long it was), and writable as UTF-8 (JSON can carry lone surrogates, which no file or sqlite
    takes: each becomes ``?``). A forged reply skips every limit the worker sets itself."""
    if len(text) > MAX_STRING:  # said as grader.grading.untrusted.cap says it, which keeps the figure
        size = len(text.encode("utf-8", "surrogatepass"))
        text = f"{text[:MAX_STRING]}… (cut: {size / (1 << 20):.0f} MB in all)" if size >= 1 << 20 else \
            f"{text[:MAX_STRING]}… (cut: {size >> 10} KB in all)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _tensor(torch, meta, body):
    if not isinstance(meta, dict):
        raise WireError("bad tensor entry")
    dtype, shape = meta.get("dtype"), meta.get("shape")
    offset, nbytes = meta.get("offset"), meta.get("nbytes")
    if dtype not in DTYPES:
        raise WireError(f"dtype {dtype!r:.100} not allowed")
    if not isinstance(shape, list) or len(shape) > 16 or any(type(d) is not int or d < 0 for d in shape):
        raise WireError(f"bad shape {str(shape):.200}")
    if type(offset) is not int or type(nbytes) is not int or offset < 0:
        raise WireError("bad tensor offset")
    if nbytes != math.prod(shape) * DTYPES[dtype] or offset + nbytes > len(body):
        raise WireError("tensor bytes do not match its shape")
    torch_dtype = getattr(torch, dtype)
    if nbytes == 0:
        return torch.empty(shape, dtype=torch_dtype)
    raw = torch.frombuffer(bytearray(body[offset : offset + nbytes]), dtype=torch.uint8)
    return raw.view(torch_dtype).reshape(shape)
