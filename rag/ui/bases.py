"""The knowledge base selector of the side panel: switching the session to another knowledge
base and creating one (filled by the upload box below it). Names are checked by
rag.knowledge; a page over one index folder (`rag ui --index DIR`) offers nothing to switch to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rag.errors import ConfigError, RagError
from rag.knowledge import DEFAULT, MAX_NAME, check_name


class OneBase:
    """A page over one pipeline object (`rag ui --index DIR`, tests): nothing to switch to."""

    def __init__(self, rag: Any, name: str = ""):
        self.rag, self.name = rag, name or Path(rag.config.index_dir).name

    def names(self) -> list[str]:
        return [self.name]

    def get(self, _name: str) -> Any:
        return self.rag

    def create(self, _name: str) -> Any:
        raise RagError(
            "此页面只打开一个索引文件夹（rag ui --index DIR）：用 rag ui --kb 名称 启动，才能新建和切换知识库"
        )


def as_bases(source: Any, start: str = "") -> Any:
    """Knowledge bases (names/get/create) as given, or one pipeline object seen as one."""
    return source if hasattr(source, "names") else OneBase(source, start)


def kb_picker(gr, bases: Any, start: str, listed: bool = True) -> dict[str, Any]:
    """The selector, the name box and the create button; not `listed`, the selector starts
    empty (the page fills it with what its user may read when it loads)."""
    names = bases.names() if listed else []
    kb = gr.Dropdown(
        choices(names),
        value=start if start in names else (names[0] if names else None),
        label="知识库",
        elem_id="rag-kb",
        interactive=len(names) > 1 or hasattr(bases, "root") or not listed,
    )
    with gr.Row():
        new_kb = gr.Textbox(
            label="新知识库名称",
            show_label=False,
            placeholder="新知识库名称（字母、数字、-、_、汉字）",
            scale=3,
            elem_id="rag-new-kb",
            lines=1,
            max_lines=1,
        )
        create = gr.Button("新建", elem_id="rag-create-kb", scale=1, min_width=60, size="sm")
    # the names the selector shows, and a clock to look again (see looked_again)
    return dict(kb=kb, new_kb=new_kb, create=create, kb_names=gr.State(None), kb_clock=gr.Timer(REFRESH_S))


DEFAULT_LABEL = "默认"
REFRESH_S = 15.0  # how often a page looks for knowledge bases made or deleted elsewhere


def shown_name(name: str) -> str:
    """A knowledge base's name as the page shows it: the one everyone shares is 默认."""
    return DEFAULT_LABEL if name == DEFAULT else name


def choices(names: list[str]) -> list[tuple[str, str]]:
    """(label, name) pairs for the selector."""
    return [(shown_name(name), name) for name in names]


def selector(bases: Any, chosen: str | None, names: list[str] | None = None) -> Any:
    """The selector as the server has it now: every knowledge base (another page or the API may
    have created one since this page was built), `chosen` kept when it still exists."""
    import gradio as gr

    names = bases.names() if names is None else names
    return gr.update(choices=choices(names), value=chosen if chosen in names else (names[0] if names else None))


def looked_again(bases: Any, chosen: str | None, shown: list[str] | None) -> tuple[Any, list[str]]:
    """(the selector, the names it shows) when knowledge bases were made or deleted elsewhere
    since it was last filled; else nothing to change. Asked on a clock as well as when the
    selector opens: choices changed while its list is open put the ✓ on whatever entry now
    stands where the chosen one stood (Gradio marks by position)."""
    import gradio as gr

    names = bases.names()
    return (gr.update(), names) if names == shown else (selector(bases, chosen, names), names)


def on_create(bases: Any, name: str) -> tuple:
    """Create knowledge base `name` and select it, or select it when it exists already (the
    user wants to work in it either way); (status, selector, name box)."""
    import gradio as gr

    name = (name or "").strip()
    if name in (DEFAULT_LABEL, *bases.names()):
        name = DEFAULT if name == DEFAULT_LABEL else name
        return f"知识库 {shown_name(name)} 已存在，已切换到它", selector(bases, name), ""
    try:
        check_name(name)
        bases.create(name)
    except ConfigError:  # the selection stays where the user is
        return f"⚠ 未新建：名称“{name}”不可用，请用 1-{MAX_NAME} 个字母、数字、汉字、- 或 _", gr.update(), gr.update()
    except RagError as exc:
        return f"⚠ 未新建：{getattr(exc, 'zh', '') or exc}", gr.update(), gr.update()
    return f"已新建知识库 {name}：上传文件即可建立索引", selector(bases, name), ""
