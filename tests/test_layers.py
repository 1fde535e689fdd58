"""The package's modules import one another without a circle, lazy imports included: a
circle hidden inside a function (data check -> probing -> data access -> data check)
breaks the first time someone moves that import to the top."""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "taskgrouping"


def module_name(path: Path) -> str:
    parts = ("taskgrouping", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(node: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules an import statement names (`from m import sub` names m.sub)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    else:
        return set()
    return {name for name in names if name in modules}


def import_graph() -> nx.DiGraph:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(paths)
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text())):
            graph.add_edges_from((name, target) for target in imported(node, set(paths))
                                 if target != name)
    return graph


def test_the_import_graph_has_no_circle() -> None:
    graph = import_graph()
    assert graph.number_of_nodes() > 50 and graph.has_edge("taskgrouping.cli",
                                                           "taskgrouping.settings")
    circles = list(nx.simple_cycles(graph, length_bound=6))
    assert not circles, f"import circles: {circles[:5]}"


def test_a_lazy_import_back_is_a_circle() -> None:
    """The check itself: the data check imports the probe-set draw, so an import of the
    data check from the probe-set module, even inside a function, closes a circle."""
    graph = import_graph()
    assert graph.has_edge("taskgrouping.data.checks", "taskgrouping.probing.probe_set")
    source = "def later():\n    from taskgrouping.data.checks import check_data\n"
    for node in ast.walk(ast.parse(source)):
        graph.add_edges_from(("taskgrouping.probing.probe_set", target)
                             for target in imported(node, set(graph)))
    assert list(nx.simple_cycles(graph, length_bound=6))
