"""Kernel definitions: declarations, expression checking with located errors, sums, registry."""

import subprocess
import sys

import pytest

from audiogp.errors import ParameterError
from audiogp.gp import Kernel, KernelError, Parameter, add_kernels, get_kernel, kernel_from_string

DECLARED = {"s": {"role": "amplitude"}, "l": {"role": "lengthscale", "bounds": [1e-4, 1.0]}}


def test_builtin_kernels_have_the_documented_expressions():
    import sympy

    r = sympy.Symbol("r", real=True)
    s, l, p = (sympy.Symbol(n, positive=True) for n in "slp")
    expected = {
        "se": s**2 * sympy.exp(-r**2 / (2 * l**2)),
        "matern12": s**2 * sympy.exp(-sympy.Abs(r) / l),
        "matern32": s**2 * (1 + sympy.sqrt(3) * sympy.Abs(r) / l) * sympy.exp(-sympy.sqrt(3) * sympy.Abs(r) / l),
        "cosine": s**2 * sympy.cos(2 * sympy.pi * p * r),
        "sm": s**2 * sympy.exp(-(r / l) ** 2) * sympy.cos(2 * sympy.pi * p * r),
        "lorentzian": s**2 * sympy.exp(-sympy.Abs(r) / l) * sympy.cos(2 * sympy.pi * p * r),
    }
    for name, reference in expected.items():
        assert sympy.simplify(get_kernel(name).sympy()[0] - reference) == 0, name


def test_kernel_from_string_declares_parameters():
    kernel = kernel_from_string("s**2 * exp(-abs(r)/l)", DECLARED, name="mine")
    assert kernel.parameter_names == ("s", "l")
    assert kernel.parameter("l").bounds == (1e-4, 1.0)
    assert kernel.parameter("s").positive
    assert kernel.with_role("lengthscale") == ("l",)


@pytest.mark.parametrize("expression, symbol, column", [
    ("s**2 * exp(-abs(r)/q)", "q", 19),        # undeclared symbol, located
    ("s**2 * exp(-abs(r)/l) * w", "w", 24),
])
def test_undeclared_symbol_is_named_and_located(expression, symbol, column):
    with pytest.raises(KernelError, match=f"'{symbol}' is not declared") as info:
        kernel_from_string(expression, DECLARED)
    assert info.value.symbol == symbol
    assert info.value.column == column
    assert expression[info.value.column] == symbol


def test_near_miss_gets_a_suggestion():
    with pytest.raises(KernelError, match="Did you mean 'l'"):
        kernel_from_string("s**2 * exp(-abs(r)/ll)", DECLARED)


def test_missing_lag_is_an_error():
    with pytest.raises(KernelError, match="does not use the lag 'r'") as info:
        kernel_from_string("s**2 * exp(-1/l)", DECLARED)
    assert info.value.symbol == "r"


def test_unused_declaration_is_an_error():
    with pytest.raises(KernelError, match="'p' is declared but does not appear") as info:
        kernel_from_string("s**2 * exp(-abs(r)/l)", {**DECLARED, "p": {}})
    assert info.value.parameter == "p"


def test_syntax_error_is_located():
    with pytest.raises(KernelError, match="not valid syntax") as info:
        kernel_from_string("s**2 * exp(-abs(r)/l", DECLARED)
    assert info.value.column is not None


def test_caret_is_refused_with_its_column():
    expression = "s^2 * exp(-abs(r)/l)"
    with pytest.raises(KernelError, match=r"write \*\* for powers") as info:
        kernel_from_string(expression, DECLARED)
    assert expression[info.value.column] == "^"


@pytest.mark.parametrize("expression", [
    "__import__('os').system('true') + r + s + l",
    "s.real * r * l",
    "[s, l, r][0]",
    "(lambda x: x)(r) * s * l",
    "s if r else l",
])
def test_anything_but_arithmetic_is_refused_without_evaluation(expression):
    with pytest.raises(KernelError):
        kernel_from_string(expression, DECLARED)


def test_unknown_function_is_named():
    with pytest.raises(KernelError, match="unknown function 'expo'.*Did you mean 'exp'"):
        kernel_from_string("s**2 * expo(-abs(r)/l)", DECLARED)


@pytest.mark.parametrize("declaration, message", [
    ({"bounds": [2, 1]}, "not below"),
    ({"positive": True, "bounds": [-1, 1]}, "declared positive"),
    ({"role": "frequncy"}, "Did you mean 'frequency'"),
    ({"default": 5.0, "bounds": [0, 1]}, "outside its bounds"),
    ({"bound": [0, 1]}, "unknown key 'bound'"),
])
def test_bad_declarations_are_refused(declaration, message):
    with pytest.raises(KernelError, match=message) as info:
        kernel_from_string("s**2 * exp(-abs(r)/l)", {"s": {}, "l": declaration})
    assert info.value.parameter == "l"


def test_reserved_parameter_names_are_refused():
    with pytest.raises(KernelError, match="reserved"):
        Parameter("exp")
    with pytest.raises(KernelError, match="reserved"):
        Parameter("r")


def test_sum_renames_clashing_parameters():
    total = get_kernel("sm") + get_kernel("matern12")
    assert total.parameter_names == ("s_1", "l_1", "p", "s_2", "l_2")
    import sympy

    expression, r, symbols = total.sympy()
    s1, l1, p, s2, l2 = (symbols[n] for n in total.parameter_names)
    reference = (s1**2 * sympy.exp(-(r / l1) ** 2) * sympy.cos(2 * sympy.pi * p * r)
                 + s2**2 * sympy.exp(-sympy.Abs(r) / l2))
    assert sympy.simplify(expression - reference) == 0
    assert add_kernels(get_kernel("se"), get_kernel("se")).parameter_names == ("s_1", "l_1", "s_2", "l_2")


def test_spellings_of_one_expression_share_a_key():
    a = kernel_from_string("s**2*exp(-abs(r)/l)", DECLARED)
    b = kernel_from_string("exp(-abs(r)/l) * s*s", DECLARED)
    c = kernel_from_string("s**2*exp(-r**2/l)", DECLARED)
    assert a.key() == b.key() != c.key()


def test_round_trip_through_a_dict():
    kernel = get_kernel("sm")
    again = Kernel.from_dict(kernel.to_dict())
    assert again == kernel and again.parameters == kernel.parameters


def test_unknown_kernel_name_suggests():
    with pytest.raises(ParameterError, match="Did you mean 'lorentzian'"):
        get_kernel("lorenzian")


def test_importing_kernels_does_not_import_sympy():
    probe = ("import sys; from audiogp.gp import get_kernel; get_kernel('sm'); "
             "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
