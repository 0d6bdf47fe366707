"""Tokenisation for BM25: jieba through its own Tokenizer with a domain dictionary, codes kept whole.

Tokens are the jieba search-mode words (long domain terms and their parts) plus CJK character bigrams, so
that "血压计" still meets "无创自动测量血压计" and a colloquial word jieba splits oddly still overlaps.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import jieba

from engine.text.codes import code_spans, find_codes
from engine.text.normalize import fold

jieba.setLogLevel(logging.WARNING)

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fff]|[a-z0-9][a-z0-9.\-+/]*")
# Function words and the station's boilerplate that say nothing about what is needed.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 要 想 我 我们 你们 他们 公司 厂 厂里 一下 一个 一批 一些 "
    "这个 那个 什么 怎么 哪里 哪个 哪家 "
    "需要 需 有 没有 吗 呢 吧 啊 也 都 还 就 请 帮 帮忙 能 可以 可 给 把 被 对 找 做 办 搞 去 来 上 下 个 台 部 家 "
    "多少 多久 价格 大概 最好 服务 机构 问题 情况 咨询 联系 请问 如何 怎样 到期 现在 已经 之前 以后 那 这 其 "
    "， 。 、 ： ； ？ ！ （ ） ( ) , . ? ! : ; - / \" ' 《 》 “ ” 【 】 [ ] ~ · …".split()
)


class DomainTokenizer:
    """A jieba Tokenizer of its own, loaded with domain words; never the module-global one."""

    def __init__(self, domain_words: Iterable[str] = (), bigrams: bool = True) -> None:
        self.words = sorted({fold(w) for w in domain_words if len(fold(w)) >= 2})
        self.bigrams = bigrams
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for w in self.words:
            self._jieba.add_word(w, freq=max(2000, 300 * len(w)))

    @property
    def dictionary_hash(self) -> str:
        digest = hashlib.sha256("\n".join(self.words).encode()).hexdigest()
        return f"{digest[:16]}{'+bigrams' if self.bigrams else ''}"

    def tokenize(self, text: str) -> list[str]:
        """Tokens of `text` for BM25: codes (full and family), words, bigrams; stop words dropped."""
        folded = fold(text)
        tokens: list[str] = []
        for code in find_codes(folded):
            tokens.append(code.family.lower())
            if code.year:
                tokens.append(code.text.lower())
        rest = folded
        for start, end in reversed(code_spans(folded)):
            rest = rest[:start] + " " + rest[end:]
        for word in self._jieba.cut_for_search(rest):
            word = word.strip()
            if word and word not in STOPWORDS and _WORD.match(word):
                tokens.append(word)
        if self.bigrams:
            for run in _CJK_RUN.findall(rest):
                tokens.extend("~" + run[i : i + 2] for i in range(len(run) - 1))
        return tokens


def load_word_list(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
