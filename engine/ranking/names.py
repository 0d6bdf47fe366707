"""Finding an agency by its own name, or a clear part of it ("华冀建设" for 唐山华冀建设工程质量检测有限公司).

A name's distinctive core is what is left after the place words in front and the legal-form and trade words at
the end are taken off; a demand that contains the whole name or a core of at least CORE_MIN characters names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from engine.text.normalize import fold

CORE_MIN = 4
# Legal forms and generic trade words that end agency names; taken off (longest first) to reach the core.
_SUFFIXES = sorted((
    "有限责任公司", "股份有限公司", "有限公司", "公司", "集团", "分公司", "中心", "研究院", "研究所", "所", "站", "院",
    "检验检测", "检测", "检验", "计量检定", "计量测试", "计量", "技术服务", "技术", "服务", "咨询", "认证",
    "质量", "工程", "科技", "管理", "代理", "事务所", "知识产权", "标准化", "特种设备", "监督", "大学", "学院",
), key=len, reverse=True)
_PLACE = re.compile(r"^(河北省|河北|唐山市|唐山|北京市|天津市|中国|国家)")


def name_core(name: str) -> str:
    """The distinctive part of an agency's name: place prefix and generic endings removed."""
    core = fold(name).replace("“", "").replace("”", "")
    core = _PLACE.sub("", core)
    core = re.sub(r"^[\u4e00-\u9fff]{1,4}?(区|县)", "", core) if len(core) > 8 else core
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if core.endswith(suffix) and len(core) - len(suffix) >= CORE_MIN:
                core = core[: -len(suffix)]
                changed = True
                break
    return core


class NameIndex:
    def __init__(self, names: Iterable[tuple[str, str]], generic_text: str = "") -> None:
        """`names`: (agency id, name); `generic_text`: the folded words of what agencies do (capability objects
        and scopes) — a core found there ("特种设备", "食品检验") is a domain word, not a name."""
        self.full: dict[str, str] = {}
        cores: dict[str, list[str]] = {}
        for aid, name in names:
            self.full[fold(name).replace("“", "").replace("”", "")] = aid
            core = name_core(name)
            if len(core) >= CORE_MIN and core not in generic_text:
                cores.setdefault(core, []).append(aid)
        self.core = {core: aids for core, aids in cores.items() if len(aids) == 1}

    def find(self, text: str) -> list[str]:
        """Agency ids whose full name or distinctive core the text contains, full names first."""
        folded = fold(text).replace("“", "").replace("”", "")
        found = [aid for name, aid in self.full.items() if name in folded]
        for core, aids in self.core.items():
            if core in folded:
                found += [a for a in aids if a not in found]
        return found
