"""Vector-quantisation node types: train a codebook, encode and decode features, save and load.

Thin adapters over :mod:`audiogp.vq`. Features are taken one vector per
frame from any of :data:`FEATURES`: an ``MFCC`` (``C`` of shape
``(..., n_mfcc, n_frames)``), a dB, mel or magnitude spectrogram (``S``), or
``FeatureVectors``; values of other types take part through two methods,
``vectors()`` (the ``(n_vectors, dim)`` array) and ``with_vectors(X)`` (a
copy holding ``X``), and by adding their type name to :data:`FEATURES`.
``vq_decode`` gives back the type (and geometry) the indices were made from::

    voice: {use: example, name: vowels, sr: 16000}
    feats: {use: mfcc, input: voice, n_mfcc: 20, hop_length: 128}
    cb:    {use: vq_train, features: [feats], stages: [32, 16]}
    codes: {use: vq_encode, features: feats, codebook: cb}
    back:  {use: vq_decode, indices: codes, codebook: cb}
    keep:  {use: save_codebook, input: cb, path: mfcc_codebook.npz}
"""

import numpy as np

from audiogp.errors import ParameterError
from audiogp.plugins import InputFile, Mismatch, NodeType, OutputFile, Param, Port, ValueType, hookimpl

CODEBOOK = ValueType("Codebook", "audiogp.vq.codebook:Codebook",
                     "a multi-stage VQ codebook with its metadata and content hash (audiogp.vq.Codebook)")
FEATURE_VECTORS = ValueType("FeatureVectors", "audiogp.vq.values:FeatureVectors",
                            "feature vectors, one per row (audiogp.vq.FeatureVectors)")
VQ_INDICES = ValueType("VQIndices", "audiogp.vq.values:VQIndices",
                       "codeword indices per vector and stage, with the codebook's hash")

#: Value types whose frames vq nodes read as vectors.
FEATURES = ("MFCC", "DecibelSpectrogram", "MelSpectrogram", "MagnitudeSpectrogram", "FeatureVectors")
_ARRAY_FIELD = {"MFCC": "C", "DecibelSpectrogram": "S", "MelSpectrogram": "S",
                "MagnitudeSpectrogram": "S"}


def to_vectors(value, what="features"):
    """``(X, template)``: the frames of ``value`` as rows of X, and ``value`` with its array emptied."""
    name = type(value).__name__
    if name in _ARRAY_FIELD:
        array = np.asarray(getattr(value, _ARRAY_FIELD[name]))
        if array.ndim < 2:
            raise ParameterError(f"{what}: the {name} array has shape {array.shape}; expected "
                                 "(..., n_features, n_frames)")
        X = np.moveaxis(array, -1, -2).reshape(-1, array.shape[-2])
        empty = np.empty(array.shape[:-1] + (0,), dtype=array.dtype)
        return X, value.replace(**{_ARRAY_FIELD[name]: empty})
    if callable(getattr(value, "vectors", None)) and callable(getattr(value, "with_vectors", None)):
        X = np.asarray(value.vectors())
        return X, value.with_vectors(np.empty((0,) + X.shape[1:], dtype=np.float64))
    raise ParameterError(f"{what}: a {name} has no feature vectors (expected one of {', '.join(FEATURES)})")


def from_vectors(template, X):
    """The value ``template`` stands for, holding the vectors ``X`` (inverse of :func:`to_vectors`)."""
    name = type(template).__name__
    if name in _ARRAY_FIELD:
        empty = getattr(template, _ARRAY_FIELD[name])
        leading, dim = empty.shape[:-2], empty.shape[-2]
        n_frames = X.shape[0] // max(1, int(np.prod(leading, dtype=np.int64)))
        array = np.moveaxis(X.reshape(leading + (n_frames, dim)), -1, -2).astype(empty.dtype)
        return template.replace(**{_ARRAY_FIELD[name]: np.ascontiguousarray(array)})
    return template.with_vectors(X)


def _dim_of(facts):
    """The vector dimension a feature value will have, from its facts (None when not known)."""
    types = getattr(facts, "types", ())
    if "MFCC" in types:
        return facts.get("n_mfcc")
    if "MelSpectrogram" in types or ("DecibelSpectrogram" in types and facts.get("mel")):
        return facts.get("n_mels")
    if "MagnitudeSpectrogram" in types or "DecibelSpectrogram" in types:
        n_fft = facts.get("n_fft")
        return None if n_fft is None else n_fft // 2 + 1
    return facts.get("dim")


def _json_facts(value):
    from audiogp.types import facts_of

    plain = {}
    for key, setting in facts_of(value).items():
        if setting is None or isinstance(setting, (bool, int, float, str)):
            plain[key] = setting
        elif isinstance(setting, tuple) and all(isinstance(s, (bool, int, float, str)) for s in setting):
            plain[key] = list(setting)
    return plain


# -- vq_train ------------------------------------------------------------------------------------

def vq_train(ctx, *, features, stages, m_best, tol, max_iter, refine, meta):
    """Train a multi-stage codebook (k-means per stage on the residual) on the frames of features."""
    from audiogp import vq

    arrays = []
    for i, value in enumerate(features):
        X, _ = to_vectors(value, f"features[{i}]")
        if arrays and X.shape[1] != arrays[0].shape[1]:
            raise ParameterError(f"features[{i}] has vectors of dimension {X.shape[1]}, "
                                 f"features[0] of dimension {arrays[0].shape[1]}; train on one kind")
        arrays.append(X)
    X = np.concatenate(arrays).astype(np.float64)
    description = {"features": type(features[0]).__name__, **_json_facts(features[0])}
    description.update(meta or {})
    return vq.train(X, stages=tuple(stages), seed=ctx.seed, m_best=m_best, tol=tol,
                    max_iter=max_iter, refine=refine, meta=description)


def _infer_train(params, inputs):
    dims = [_dim_of(f) for f in inputs["features"]]
    known = [d for d in dims if d is not None]
    if len(set(known)) > 1:
        raise Mismatch("features", f"the features have different dimensions {known}; train on one kind")
    return {"codebook": {"dim": known[0] if known else None, "sizes": tuple(params["stages"])}}


def _check_stages(params, inputs):
    stages = params["stages"]
    if not stages or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in stages):
        raise Mismatch("stages", f"stages must be a list of codebook sizes >= 1, e.g. [512, 512]; "
                                 f"got {stages!r}")


VQ_TRAIN = NodeType(
    name="vq_train",
    kind="fitting",
    function=vq_train,
    inputs=[Port("features", FEATURES, "training features (one or a list; their frames are pooled)",
                 many=True)],
    outputs=[Port("codebook", "Codebook", "the trained codebook")],
    params=[Param("stages", list, [512, 512], "codewords of each stage"),
            Param("m_best", int, 8, "paths kept by the M-best search", minimum=1),
            Param("tol", float, 1e-3, "k-means stops at this relative improvement", minimum=0),
            Param("max_iter", int, 100, "k-means iterations per stage at most", minimum=1),
            Param("refine", int, 0, "rounds of joint refinement of all stages", minimum=0),
            Param("meta", dict, None, "extra JSON metadata stored with the codebook", nullable=True)],
    infer=_infer_train,
    checks=[_check_stages],
    facts_from=None,
    details="Seeded by the spec's seed. The codebook's metadata records the feature type and its "
            "settings (sr, n_mfcc, ...), updated by `meta`. See docs/vq.md.",
)


# -- vq_encode / vq_decode -----------------------------------------------------------------------

def _check_dims(params, inputs):
    dim = _dim_of(inputs["features"])
    cb_dim = inputs["codebook"].get("dim")
    if dim is not None and cb_dim is not None and dim != cb_dim:
        raise Mismatch("codebook", f"the codebook codes vectors of dimension {cb_dim}, but the "
                                   f"features have dimension {dim}")


def vq_encode(ctx, *, features, codebook, m_best):
    """Code each frame of the features as one codeword index per stage (M-best search)."""
    from audiogp.vq import VQIndices

    X, template = to_vectors(features)
    if X.shape[1] != codebook.dim:
        raise ParameterError(f"the features have dimension {X.shape[1]} but the codebook codes "
                             f"vectors of dimension {codebook.dim}")
    return VQIndices(codebook.encode(X, m_best=m_best), codebook.hash, codebook.sizes, template)


VQ_ENCODE = NodeType(
    name="vq_encode",
    kind="transform",
    function=vq_encode,
    inputs=[Port("features", FEATURES, "the features to code"),
            Port("codebook", "Codebook", "the codebook (vq_train or load_codebook)")],
    outputs=[Port("indices", "VQIndices", "one index per frame and stage")],
    params=[Param("m_best", int, 8, "paths kept from stage to stage (1: greedy)", minimum=1)],
    checks=[_check_dims],
    infer=lambda params, inputs: {"indices": {"codebook_hash": inputs["codebook"].get("hash"),
                                              "n_stages": None if inputs["codebook"].get("sizes") is None
                                              else len(inputs["codebook"]["sizes"])}},
)


def _check_hash(params, inputs):
    made, given = inputs["indices"].get("codebook_hash"), inputs["codebook"].get("hash")
    if made is not None and given is not None and made != given:
        raise Mismatch("codebook", f"the indices were made with codebook {made[:12]}..., not with "
                                   f"this one ({given[:12]}...); decode with the same codebook")


def vq_decode(ctx, *, indices, codebook):
    """Features rebuilt from their indices: the sum over stages of the chosen codewords."""
    if indices.codebook_hash != codebook.hash:
        raise ParameterError(f"the indices were made with codebook {indices.codebook_hash[:12]}..., "
                             f"not with this one ({codebook.hash[:12]}...); decode with the same codebook")
    return from_vectors(indices.template, codebook.decode(indices.idx))


VQ_DECODE = NodeType(
    name="vq_decode",
    kind="synthesis",
    function=vq_decode,
    inputs=[Port("indices", "VQIndices", "indices from vq_encode"),
            Port("codebook", "Codebook", "the codebook that made them")],
    outputs=[Port("features", "Any", "the quantised features, of the type and geometry encoded "
                  "(an MFCC gives an MFCC)")],
    checks=[_check_hash],
    facts_from=None,
)


# -- files -----------------------------------------------------------------------------------------

def save_codebook(ctx, *, input, path):
    """Write a codebook as path (.npz, arrays only) and the .json beside it (hash, metadata)."""
    input.save(path, force=ctx.force)


SAVE_CODEBOOK = NodeType(
    name="save_codebook",
    kind="sink",
    function=save_codebook,
    inputs=[Port("input", "Codebook", "the codebook")],
    params=[Param("path", OutputFile, doc="output .npz inside --out (the .json goes beside it)",
                  suffixes=(".npz",))],
)


def load_codebook(ctx, *, path, dim):
    """Read a codebook written by save_codebook or Codebook.save (checked against its hash)."""
    from audiogp import vq

    return vq.load(path, dim=dim)


LOAD_CODEBOOK = NodeType(
    name="load_codebook",
    kind="source",
    function=load_codebook,
    outputs=[Port("codebook", "Codebook", "the codebook")],
    params=[Param("path", InputFile, doc="the codebook's .npz (or .json), relative to the spec",
                  suffixes=(".npz", ".json")),
            Param("dim", int, None, "expected vector dimension (refused if different)", minimum=1)],
)


@hookimpl
def register_value_types(register):
    register(CODEBOOK)
    register(FEATURE_VECTORS)
    register(VQ_INDICES)


@hookimpl
def register_node_types(register):
    for node_type in (VQ_TRAIN, VQ_ENCODE, VQ_DECODE, SAVE_CODEBOOK, LOAD_CODEBOOK):
        register(node_type)
