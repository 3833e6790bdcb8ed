# SPDX-License-Identifier: GPL-3.0-or-later
"""A minimal GGUF v3 writer (and reader, for tests and tools).

Only what docs/model-format.md uses: scalar / string / array KV values and
F32, F16, Q8_0 tensors, little-endian, data aligned to `alignment` (32).

Tensors are given as numpy arrays in PyTorch (row-major) shape; the file
stores dims reversed (dims[0] = innermost), as ggml does.
"""
import os
import struct
import sys

import numpy as np

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3

# value types
U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
               BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}
_NP_OF = {U8: np.uint8, I8: np.int8, U16: np.uint16, I16: np.int16, U32: np.uint32,
          I32: np.int32, F32: np.float32, U64: np.uint64, I64: np.int64, F64: np.float64}

# tensor types
T_F32, T_F16, T_Q8_0 = 0, 1, 8
TYPE_NAMES = {T_F32: "F32", T_F16: "F16", T_Q8_0: "Q8_0"}
QK8_0 = 32


def quantize_q8_0(x):
    """float array (any shape, last dim multiple of 32) -> bytes of Q8_0 blocks.

    Per block of 32: d = max|x| / 127 stored as f16; q = round(x / d16) with
    the f16-rounded d (round half away from zero), clipped to [-127, 127]."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.shape[-1] % QK8_0:
        raise ValueError(f"Q8_0 needs the innermost dim to be a multiple of 32, got {x.shape}")
    blocks = x.reshape(-1, QK8_0).astype(np.float64)
    amax = np.abs(blocks).max(axis=1)
    d16 = (amax / 127.0).astype(np.float16)
    d = d16.astype(np.float64)
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    v = blocks * inv[:, None]
    q = np.clip(np.sign(v) * np.floor(np.abs(v) + 0.5), -127, 127).astype(np.int8)
    rec = np.zeros(len(blocks), dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])
    rec["d"] = d16
    rec["qs"] = q
    return rec.tobytes()


def dequantize_q8_0(raw, shape):
    rec = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "i1", (QK8_0,))])
    vals = rec["d"].astype(np.float32)[:, None] * rec["qs"].astype(np.float32)
    return vals.reshape(shape)


def tensor_nbytes(ttype, n_elements):
    if ttype == T_F32:
        return 4 * n_elements
    if ttype == T_F16:
        return 2 * n_elements
    if ttype == T_Q8_0:
        return n_elements // QK8_0 * (2 + QK8_0)
    raise ValueError(f"unknown tensor type {ttype}")


def _str_bytes(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


class GGUFWriter:
    def __init__(self, alignment=32):
        if alignment & (alignment - 1) or alignment < 8:
            raise ValueError("alignment must be a power of two >= 8")
        self.alignment = alignment
        self.kv = []  # (key, packed value with type)
        self.keys = set()
        self.tensors = []  # (name, dims (ggml order), type, bytes)
        self.names = set()
        if alignment != 32:
            self.add_u32("general.alignment", alignment)

    # ---- key/values
    def _add(self, key, vtype, payload):
        if key in self.keys:
            raise ValueError(f"duplicate key {key}")
        self.keys.add(key)
        self.kv.append((key, struct.pack("<I", vtype) + payload))

    def add_scalar(self, key, vtype, value):
        self._add(key, vtype, struct.pack(_SCALAR_FMT[vtype], value))

    def add_u32(self, key, v):
        self.add_scalar(key, U32, int(v))

    def add_i32(self, key, v):
        self.add_scalar(key, I32, int(v))

    def add_f32(self, key, v):
        self.add_scalar(key, F32, float(v))

    def add_bool(self, key, v):
        self.add_scalar(key, BOOL, bool(v))

    def add_string(self, key, s):
        self._add(key, STRING, _str_bytes(s))

    def add_array(self, key, elem_type, values):
        values = list(values)
        head = struct.pack("<IQ", elem_type, len(values))
        if elem_type == STRING:
            body = b"".join(_str_bytes(v) for v in values)
        elif elem_type == ARRAY:
            raise ValueError("nested arrays are not allowed")
        elif elem_type == BOOL:
            body = bytes(1 if v else 0 for v in values)
        else:
            body = np.asarray(values, dtype=np.dtype(_NP_OF[elem_type]).newbyteorder("<")).tobytes()
        self._add(key, ARRAY, head + body)

    def add_raw_kv(self, key, raw):
        """A key with its type and value bytes as GGUFFile.kv_raw holds them (copying files)."""
        self._add(key, struct.unpack("<I", raw[:4])[0], raw[4:])

    # ---- tensors
    def add_raw_tensor(self, name, dims, ttype, data):
        """A tensor as GGUFFile.tensor_raw gives it (copying files)."""
        if name in self.names:
            raise ValueError(f"duplicate tensor {name}")
        if len(data) != tensor_nbytes(ttype, int(np.prod(dims))):
            raise ValueError(f"{name}: {len(data)} bytes for dims {dims}")
        self.names.add(name)
        self.tensors.append((name, tuple(dims), ttype, bytes(data)))

    def add_tensor(self, name, array, ttype=T_F32):
        """array: numpy (or torch) tensor in PyTorch shape; stored as ttype."""
        if hasattr(array, "detach"):
            array = array.detach().cpu().numpy()
        a = np.ascontiguousarray(array, dtype=np.float32)
        if name in self.names:
            raise ValueError(f"duplicate tensor {name}")
        if not 1 <= a.ndim <= 4:
            raise ValueError(f"{name}: 1-4 dims supported, got {a.shape}")
        self.names.add(name)
        dims = tuple(reversed(a.shape))
        if ttype == T_F32:
            data = a.astype("<f4").tobytes()
        elif ttype == T_F16:
            data = a.astype("<f2").tobytes()
        elif ttype == T_Q8_0:
            data = quantize_q8_0(a)
        else:
            raise ValueError(f"unknown tensor type {ttype}")
        self.tensors.append((name, dims, ttype, data))

    def _pad(self, n):
        return (-n) % self.alignment

    def to_bytes(self):
        out = bytearray()
        out += GGUF_MAGIC + struct.pack("<IQQ", GGUF_VERSION, len(self.tensors), len(self.kv))
        for key, val in self.kv:
            out += _str_bytes(key) + val
        offset = 0
        for name, dims, ttype, data in self.tensors:
            out += _str_bytes(name) + struct.pack("<I", len(dims))
            out += struct.pack(f"<{len(dims)}Q", *dims)
            out += struct.pack("<IQ", ttype, offset)
            offset += len(data) + self._pad(len(data))
        out += b"\0" * self._pad(len(out))
        for _, _, _, data in self.tensors:
            out += data + b"\0" * self._pad(len(data))
        return bytes(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.to_bytes())

    def write_replacing(self, path):
        """write() through a temporary file, so path may be the file this one copies."""
        tmp = path + ".tmp"
        self.write(tmp)
        os.replace(tmp, path)


def run_file_tool(tool, action):
    """The ending of a model-file tool's main(): action() does the work and returns the line to
    report; a ValueError, KeyError or OSError (a bad, missing or unwritable file) becomes
    "tool: message" on stderr and exit status 1, with no traceback."""
    try:
        done = action()
    except (ValueError, KeyError, OSError) as e:
        print(f"{tool}: {e}", file=sys.stderr)
        return 1
    print(done, file=sys.stderr)
    return 0


def copy_of(src, keep_key=lambda key: True, keep_tensor=lambda name: True, rewrite=None, retype=None):
    """A GGUFWriter holding the GGUF file src (a path or a GGUFFile): its keys and tensors byte for
    byte and in order, but those keep_key / keep_tensor reject. rewrite {key: fn(writer, key)}
    writes those keys anew in their place; retype(name, type) gives a tensor's new type (the
    tensor is converted when it differs). For tools that change a model file in part."""
    f = GGUFFile(src) if isinstance(src, str) else src
    w = GGUFWriter(f.kv.get("general.alignment", 32))
    for key, raw in f.kv_raw.items():
        if rewrite and key in rewrite:
            rewrite[key](w, key)
        elif keep_key(key) and key not in w.keys:
            w.add_raw_kv(key, raw)
    for name in f.tensor_info:
        if not keep_tensor(name):
            continue
        dims, ttype, data = f.tensor_raw(name)
        new_type = retype(name, ttype) if retype else ttype
        if new_type != ttype:
            w.add_tensor(name, f.tensor(name), new_type)
        else:
            w.add_raw_tensor(name, dims, ttype, data)
    return w


# ---- reader ---------------------------------------------------------------------

class GGUFFile:
    """Parses a GGUF v3 file: .kv {key: value} (strings as str when valid UTF-8,
    else bytes; arrays as lists), .tensor_info {name: (dims, type, offset)},
    and .tensor(name) -> float32 numpy array in PyTorch shape."""

    def __init__(self, data):
        if isinstance(data, str):
            with open(data, "rb") as f:
                data = f.read()
        self.data = data
        self.pos = 0
        if self._take(4) != GGUF_MAGIC:
            raise ValueError("not a GGUF file")
        (version,) = self._unpack("<I")
        if version != GGUF_VERSION:
            raise ValueError(f"GGUF version {version} unsupported")
        n_tensors, n_kv = self._unpack("<QQ")
        self.kv, self.kv_raw = {}, {}
        for _ in range(n_kv):
            key = self._string()
            start = self.pos
            (vtype,) = self._unpack("<I")
            self.kv[key] = self._value(vtype)
            self.kv_raw[key] = self.data[start:self.pos]  # type and value, as stored
        self.tensor_info = {}
        for _ in range(n_tensors):
            name = self._string()
            (nd,) = self._unpack("<I")
            dims = self._unpack(f"<{nd}Q")
            ttype, off = self._unpack("<IQ")
            self.tensor_info[name] = (tuple(dims), ttype, off)
        align = self.kv.get("general.alignment", 32)
        self.data_start = self.pos + (-self.pos) % align

    def _take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f"truncated at byte {self.pos}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _unpack(self, fmt):
        return struct.unpack(fmt, self._take(struct.calcsize(fmt)))

    def _string(self, raw=False):
        (n,) = self._unpack("<Q")
        b = self._take(n)
        if raw:
            return b
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b

    def _value(self, vtype):
        if vtype in _SCALAR_FMT:
            return self._unpack(_SCALAR_FMT[vtype])[0]
        if vtype == STRING:
            return self._string()
        if vtype == ARRAY:
            etype, count = self._unpack("<IQ")
            if etype == ARRAY:
                raise ValueError("nested array")
            if etype in _NP_OF:
                size = np.dtype(_NP_OF[etype]).itemsize
                arr = np.frombuffer(self._take(size * count), dtype=np.dtype(_NP_OF[etype]).newbyteorder("<"))
                return arr.tolist()
            return [self._value(etype) for _ in range(count)]
        raise ValueError(f"unknown value type {vtype}")

    def string_array_bytes(self, key):
        """A string array's elements as raw bytes (tokenizer tokens)."""
        return [v if isinstance(v, bytes) else v.encode("utf-8") for v in self.kv[key]]

    def tensor_raw(self, name):
        """-> (dims (ggml order), type, stored bytes) of one tensor."""
        dims, ttype, off = self.tensor_info[name]
        start = self.data_start + off
        return dims, ttype, self.data[start:start + tensor_nbytes(ttype, int(np.prod(dims)))]

    def tensor(self, name):
        dims, ttype, off = self.tensor_info[name]
        shape = tuple(reversed(dims))
        n = int(np.prod(dims))
        start = self.data_start + off
        raw = self.data[start:start + tensor_nbytes(ttype, n)]
        if ttype == T_F32:
            return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
        if ttype == T_F16:
            return np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(shape)
        if ttype == T_Q8_0:
            return dequantize_q8_0(raw, shape)
        raise ValueError(f"unknown tensor type {ttype}")
