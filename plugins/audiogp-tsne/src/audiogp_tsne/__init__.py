"""audiogp-tsne: the ``reorder_frames_tsne`` node type, as a third-party audiogp plugin.

Found through the entry point ``tsne = "audiogp_tsne"`` of the group
``audiogp``. The algorithm is in :mod:`audiogp_tsne.order`; the node only
adapts it. scikit-learn is imported when a node runs, not when audiogp lists
the node types.
"""

from audiogp.plugins import NodeType, Param, Port, hookimpl
from audiogp.types import ComplexSpectrogram

__version__ = "0.1.0"
__all__ = ["tsne_order", "reorder_by_tsne", "REORDER_FRAMES_TSNE"]


def __getattr__(name):
    if name in ("tsne_order", "reorder_by_tsne"):
        from audiogp_tsne import order

        return getattr(order, name)
    raise AttributeError(f"module 'audiogp_tsne' has no attribute {name!r}")


def reorder_frames_tsne(ctx, *, input, n_mels, fmin, fmax, normalize_volume,
                        log_frequency_weighting, perplexity):
    """Sort the frames along a 1-D t-SNE embedding of their log-mel features."""
    from audiogp_tsne.order import reorder_by_tsne

    S, order = reorder_by_tsne(input.S, sr=input.geometry.sr, n_mels=n_mels, fmin=fmin, fmax=fmax,
                               normalize_volume=normalize_volume,
                               log_frequency_weighting=log_frequency_weighting,
                               perplexity=perplexity, random_state=ctx.seed)
    return ComplexSpectrogram(S, input.geometry,
                              attrs={**input.attrs, "frame_order": [int(i) for i in order]})


REORDER_FRAMES_TSNE = NodeType(
    name="reorder_frames_tsne",
    kind="transform",
    requires=("sklearn:scikit-learn",),
    function=reorder_frames_tsne,
    details="van der Maaten & Hinton 2008 through scikit-learn; the t-SNE counterpart of the "
            "core's reorder_frames_pca, with the same feature options.",
    inputs=[Port("input", ComplexSpectrogram, "complex STFT")],
    outputs=[Port("spectrogram", ComplexSpectrogram, "the STFT with its frames reordered")],
    params=[
        Param("n_mels", int, 40, "mel bands of the frame features", minimum=1),
        Param("fmin", float, 0.0, "lowest frequency of the features, Hz", minimum=0),
        Param("fmax", float, None, "highest frequency of the features, Hz (default sr / 2)",
              exclusive_minimum=0),
        Param("normalize_volume", bool, False, "remove each frame's mean level"),
        Param("log_frequency_weighting", bool, False, "weight bands by their width in octaves"),
        Param("perplexity", float, 30.0, "t-SNE perplexity (capped at n_frames - 1)",
              exclusive_minimum=0),
    ],
    # Reordering frames keeps the spectrogram's geometry: its facts pass on from the input.
)


@hookimpl
def register_node_types(register):
    register(REORDER_FRAMES_TSNE)
