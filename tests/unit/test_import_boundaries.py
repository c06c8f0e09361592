"""core/ and kb/ must not depend on the delivery frameworks."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "fastapi", "starlette", "uvicorn")


def test_core_and_kb_import_neither_aiogram_nor_fastapi() -> None:
    offenders = []
    files = [*ROOT.joinpath("core").rglob("*.py"), *ROOT.joinpath("kb").rglob("*.py")]
    assert len(files) > 5
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
