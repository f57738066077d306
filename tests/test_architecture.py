"""The house rules, checked with the tests: the layer contracts (import-linter, configured in
pyproject.toml), small product modules, and in-function imports of our own modules only with a reason."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "handlers", "storage")
MAX_LINES = 400
OURS = ("bot", "handlers", "storage", "seeds")


def product_modules() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py"))


def test_the_layer_contracts_are_declared():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    kinds = [c["type"] for c in config["contracts"]]
    assert "layers" in kinds
    forbidden = [m for c in config["contracts"] if c["type"] == "forbidden" and "bot.core" in c["source_modules"]
                 for m in c["forbidden_modules"]]
    assert {"telegram", "tinydb"} <= set(forbidden)


def test_the_layer_contracts_are_kept():
    run = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                               "sys.argv = ['lint-imports', '--no-logo', '--no-cache']; sys.exit(lint_imports_command())"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "broken" in run.stdout and " 0 broken" in run.stdout


def test_no_product_module_is_over_400_lines():
    over = {str(p.relative_to(ROOT)): n for p in product_modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert over == {}


def _in_function_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import of our own modules made inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] in OURS):
                found.append((node.lineno, node.module or "."))
            elif isinstance(node, ast.Import):
                found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] in OURS]
    return found


def test_in_function_imports_of_our_modules_say_why():
    """An import of our own code inside a function hides a dependency from the layer contracts' reader;
    the few that must stay (a worker process warming its imports, a heavy parser loaded on first use)
    carry a comment on the line saying why."""
    silent = []
    for path in product_modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, module in _in_function_imports(path):
            line, above = lines[lineno - 1], lines[lineno - 2] if lineno > 1 else ""
            if "#" not in line and not above.strip().startswith("#"):
                silent.append(f"{path.relative_to(ROOT)}:{lineno} {module}")
    assert silent == []
