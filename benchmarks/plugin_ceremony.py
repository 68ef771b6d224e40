"""Count the registration ceremony of a plugin's node module: hooks, lines, facts and checks by hand.

    python benchmarks/plugin_ceremony.py plugins/audiogp-lpc/src/audiogp_lpc/__init__.py

Prints the lines of code (without blank lines, comments and docstrings), the hook functions,
the ``infer`` functions, the output facts copied from an input by hand (``{"sr": x.get("sr")}``
in what an ``infer`` returns), and the checks raised as ``Mismatch`` (before running) and as
``ParameterError`` (when running): a check raised both ways is the "same check written twice"
of issue 14.
"""

import ast
import io
import sys
import tokenize


def code_lines(text):
    tree = ast.parse(text)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def count(path):
    text = open(path, encoding="utf-8").read()
    tree = ast.parse(text)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    hooks = [f.name for f in functions if any(getattr(d, "id", None) == "hookimpl" for d in f.decorator_list)]
    infers = [f.name for f in functions if f.name.startswith("infer")]
    raised = {"Mismatch": 0, "ParameterError": 0}
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            name = getattr(node.exc.func, "id", None)
            if name in raised:
                raised[name] += 1
    infer_code = [f for f in functions if f.name in infers]
    infer_code += [k.value for n in ast.walk(tree) if isinstance(n, ast.Call)
                   for k in n.keywords if k.arg == "infer" and isinstance(k.value, ast.Lambda)]
    copied = sum(1 for code in infer_code for node in ast.walk(code) if isinstance(node, ast.Dict)
                 for value in node.values if isinstance(value, ast.Call)
                 and getattr(value.func, "attr", None) == "get")
    return {"code lines": code_lines(text), "hook functions": len(hooks),
            "infer functions": len(infer_code), "output facts copied by hand": copied,
            "raise Mismatch": raised["Mismatch"], "raise ParameterError": raised["ParameterError"]}


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(path)
        for name, value in count(path).items():
            print(f"  {name:36s} {value}")
