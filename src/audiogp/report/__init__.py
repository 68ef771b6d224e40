"""The HTML report of a run or a corpus: one static page beside the outputs (see docs/corpus.md)."""

__all__ = ["ItemReport", "RunReport", "write_report", "report_of_run", "report_of_corpus"]


def __getattr__(name):
    if name in ("ItemReport", "RunReport", "write_report"):
        from audiogp.report import html

        return getattr(html, name)
    if name in ("report_of_run", "report_of_corpus"):
        from audiogp.report import collect

        return getattr(collect, name)
    raise AttributeError(name)
