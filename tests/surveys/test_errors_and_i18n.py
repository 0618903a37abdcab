import ast
import pathlib

from surveys.errors import DomainError, InvalidResponse, InvalidValue, NoResponses
from surveys.i18n import N_, render

SURVEYS = pathlib.Path(__file__).resolve().parents[2] / "surveys"


def test_n_is_a_no_op_marker():
    assert N_("Sangat Baik") == "Sangat Baik"


def test_domain_errors_carry_template_and_params():
    error = InvalidValue(N_("Nilai %(value)s di luar rentang."), {"value": 7})
    assert isinstance(error, DomainError) and isinstance(error, ValueError)
    assert error.message == "Nilai %(value)s di luar rentang."
    assert error.params == {"value": 7}
    assert str(error) == "Nilai 7 di luar rentang."
    assert NoResponses().message == "Belum ada data."
    assert InvalidResponse({"U1": "x"}).errors == {"U1": "x"}


def test_render_keeps_numbers_and_percent_signs():
    assert render("%(share)s%% dari %(n)d", {"share": "12.50", "n": 8}) == "12.50% dari 8"


def test_domain_core_imports_no_framework():
    for path in SURVEYS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"flask", "sqlalchemy", "portal"}, path.name


def test_messages_use_named_placeholders_only():
    for path in SURVEYS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_":
                (argument,) = node.args
                assert isinstance(argument, ast.Constant), f"{path.name}: N_ needs a literal"
                text = argument.value.replace("%%", "")
                assert "%" not in text.replace("%(", ""), f"{path.name}: {argument.value!r}"
