"""Gate: every public function in textkit/ has a docstring (exit 1 naming those that lack one)."""
import ast
import pathlib
import sys

missing = []
for path in sorted(pathlib.Path("textkit").glob("*.py")):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            if ast.get_docstring(node) is None:
                missing.append(f"{path}:{node.lineno}: {node.name} has no docstring")
print("\n".join(missing) or "every public function has a docstring")
sys.exit(1 if missing else 0)
