"""Writing ``report.html``: a self-contained static page (no CDN, relative links, works from file://).

It shows a header (spec, its hash, the seed, audiogp's and the plugins'
versions), the graph, a sortable table of items with their metrics and
times, per-node timings, an ``<audio controls preload="none">`` player and a
spectrogram image for every audio input and output, and every failure with
its message. Images go to ``report_files/`` beside the page.
"""

import html
import os
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ItemReport", "RunReport", "write_report", "REPORT_NAME", "FILES_NAME"]

REPORT_NAME = "report.html"
FILES_NAME = "report_files"


@dataclass
class ItemReport:
    """One run's row: an item of a corpus, or the single run."""

    name: str
    status: str = "done"
    seconds: float = 0.0
    node_seconds: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)     # absolute paths of audio inputs
    outputs: list = field(default_factory=list)    # absolute paths of audio outputs
    metrics: dict = field(default_factory=dict)
    error: str = ""


@dataclass
class RunReport:
    """What the page shows."""

    title: str
    spec: str
    spec_hash: str
    seed: object
    versions: dict            # {"audiogp": "...", plugin distribution: version}
    graph_text: str
    items: list
    notes: list = field(default_factory=list)
    node_order: list = field(default_factory=list)   # the graph's execution order


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ccc;padding:.25em .5em}
th{background:#eee;cursor:pointer;user-select:none}th.sorted-up:after{content:" \\25B2"}
th.sorted-down:after{content:" \\25BC"}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{background:#fdecea}pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:.8em}
li pre{white-space:pre-wrap}dt{font-weight:bold;float:left;clear:left;width:7em}dd{margin-left:8em}
.media{display:flex;flex-wrap:wrap;gap:1em}.media figure{margin:0;border:1px solid #ddd;padding:.4em}
.media figcaption{font-size:.8em;word-break:break-all;max-width:400px}dl{font-size:.85em}
"""

_SCRIPT = """
(function () {
  var table = document.getElementById('metrics');
  function cellValue(row, col) {
    var cell = row.cells[col], text = cell.getAttribute('data-value');
    if (text === null) { text = cell.textContent; }
    var number = parseFloat(text);
    return isNaN(number) ? text.toLowerCase() : number;
  }
  function sortTable(col, descending) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col), y = cellValue(b, col);
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) { heads[i].className = ''; }
    heads[col].className = descending ? 'sorted-down' : 'sorted-up';
  }
  if (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (head, col) {
      head.addEventListener('click', function () {
        sortTable(col, head.className === 'sorted-up');
      });
    });
    var wanted = /^#sort=(\\d+)(-?)$/.exec(window.location.hash);
    if (wanted && +wanted[1] < heads.length) { sortTable(+wanted[1], wanted[2] === '-'); }
  }
  document.body.setAttribute('data-ready', 'yes');
})();
"""


def _link(target, folder):
    relative = os.path.relpath(Path(target).resolve(), Path(folder).resolve())
    return urllib.parse.quote(Path(relative).as_posix())


def _number(value):
    return "" if value is None else f"{value:.4g}"


def write_report(out_dir, report, *, max_media_items=40):
    """Write ``report.html`` (and its images in ``report_files/``) into ``out_dir``; return its path.

    Parameters
    ----------
    out_dir : path-like
    report : RunReport
    max_media_items : int
        Players and spectrograms are shown for this many items at most (the
        first by name); the table lists every item.
    """
    from audiogp.report.spectrograms import shared_scale, spectrogram_db, write_png

    out_dir = Path(out_dir)
    files = out_dir / FILES_NAME
    files.mkdir(parents=True, exist_ok=True)
    shown = [item for item in sorted(report.items, key=lambda i: i.name)
             if item.status == "done"][:max_media_items]
    images = {}
    for item in shown:
        for path in [*item.inputs, *item.outputs]:
            if path not in images and Path(path).is_file():
                images[path] = spectrogram_db(path)
    vmin, vmax = shared_scale([image for image, _ in images.values()])
    pngs = {}
    for index, (path, (image, sr)) in enumerate(images.items()):
        png = files / f"spectrogram{index:04d}.png"
        write_png(image, sr, png, vmin=vmin, vmax=vmax, title=Path(path).name)
        pngs[path] = png
    page = _page(report, out_dir, shown, pngs, (vmin, vmax), max_media_items)
    target = out_dir / REPORT_NAME
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, target)
    return target


def _page(report, out_dir, shown, pngs, scale, max_media_items):
    e = html.escape
    metric_names = sorted({name for item in report.items for name in item.metrics})
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(report.title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{e(report.title)}</h1><dl>",
             f"<dt>spec</dt><dd><code>{e(report.spec)}</code></dd>",
             f"<dt>spec hash</dt><dd><code>{e(report.spec_hash)}</code></dd>",
             f"<dt>seed</dt><dd>{e(str(report.seed))}</dd>",
             "<dt>versions</dt><dd>" + ", ".join(f"{e(k)} {e(str(v))}"
                                                 for k, v in report.versions.items()) + "</dd>"]
    done = sum(item.status == "done" for item in report.items)
    failed = [item for item in report.items if item.status != "done"]
    parts.append(f"<dt>items</dt><dd>{done} done, {len(failed)} failed</dd></dl>")
    for note in report.notes:
        parts.append(f"<p>{e(note)}</p>")
    parts.append(f"<h2>Graph</h2><pre>{e(report.graph_text)}</pre>")

    parts.append("<h2>Items and metrics</h2><p>Click a column heading to sort.</p>"
                 '<table id="metrics"><thead><tr><th>item</th><th>status</th><th>seconds</th>'
                 + "".join(f"<th>{e(name)}</th>" for name in metric_names) + "</tr></thead><tbody>")
    for item in sorted(report.items, key=lambda i: i.name):
        css = ' class="failed"' if item.status != "done" else ""
        cells = [f"<td>{e(item.name)}</td>", f"<td>{e(item.status)}</td>",
                 f'<td class="num" data-value="{item.seconds!r}">{item.seconds:.3f}</td>']
        for name in metric_names:
            value = item.metrics.get(name)
            data = "" if value is None else repr(float(value))
            cells.append(f'<td class="num" data-value="{data}">{_number(value)}</td>')
        parts.append(f"<tr{css}>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table>")

    seen = {node for item in report.items for node in item.node_seconds}
    nodes = [n for n in report.node_order if n in seen] + sorted(seen - set(report.node_order))
    if nodes:
        timed = [item for item in report.items if item.node_seconds]
        parts.append("<h2>Per-node timings</h2><table><thead><tr><th>node</th>"
                     "<th>mean s</th><th>total s</th><th>slowest item</th></tr></thead><tbody>")
        for node in nodes:
            pairs = [(item.node_seconds[node], item.name) for item in timed
                     if node in item.node_seconds]
            total = sum(s for s, _ in pairs)
            slowest = max(pairs)
            parts.append(f'<tr><td>{e(node)}</td><td class="num">{total / len(pairs):.4f}</td>'
                         f'<td class="num">{total:.4f}</td><td>{e(slowest[1])} '
                         f"({slowest[0]:.4f} s)</td></tr>")
        parts.append("</tbody></table>")

    if failed:
        parts.append("<h2>Failures</h2><ul>")
        for item in sorted(failed, key=lambda i: i.name):
            parts.append(f"<li><b>{e(item.name)}</b><pre>{e(item.error)}</pre></li>")
        parts.append("</ul>")

    parts.append("<h2>Audio</h2>")
    parts.append(f"<p>Spectrograms share one colour scale: {scale[0]:.0f} to {scale[1]:.0f} dB "
                 "(20 log10 |STFT|, 512-point Hann frames, hop 128).</p>")
    done_items = [item for item in report.items if item.status == "done"]
    if len(done_items) > len(shown):
        parts.append(f"<p>Players and images for the first {max_media_items} of "
                     f"{len(done_items)} done items.</p>")
    for item in shown:
        parts.append(f"<h3>{e(item.name)}</h3><div class=\"media\">")
        for role, paths in (("input", item.inputs), ("output", item.outputs)):
            for path in paths:
                caption = f"{role}: {Path(path).name}"
                image = (f'<img src="{_link(pngs[path], out_dir)}" alt="{e(caption)}" '
                         'width="400" height="160">' if path in pngs else "")
                parts.append(f"<figure>{image}<figcaption>{e(caption)}</figcaption>"
                             f'<audio controls preload="none" src="{_link(path, out_dir)}">'
                             "</audio></figure>")
        parts.append("</div>")
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts) + "\n"
