"""Standard-code normalisation: examples from how people type, and properties over the whole catalogue."""

import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.text.codes import canonical, find_codes, parse_code
from engine.text.normalize import normalize
from tests.helpers import CORPUS

CATALOGUE = [json.loads(line)["code"] for line in (CORPUS / "standards.jsonl").open(encoding="utf-8")]


def test_typings_resolve_to_canonical_codes():
    assert parse_code("GB/T19001").text == "GB/T 19001"
    assert parse_code("gb 2763").text == "GB 2763"
    assert parse_code("ＧＢ／Ｔ　１９００１").text == "GB/T 19001"
    assert parse_code("GB/T 19001—2016").text == "GB/T 19001-2016"
    assert parse_code("gbt 19001-2016").text == "GB/T 19001-2016"
    assert parse_code("JJG539").text == "JJG 539"
    assert parse_code("TSG Q7015").text == "TSG Q7015"
    assert parse_code("tsgt7001-2023").text == "TSG T7001-2023"
    assert parse_code("ISO 14064-1:2018").text == "ISO 14064-1:2018"
    assert parse_code("2006/42/EC").text == "2006/42/EC"
    assert parse_code("电子秤") is None


def test_codes_found_in_free_text():
    codes = find_codes("TSG T7001-2009 还在用吗，电梯检验按哪个；另外GB/T228.1也看一下")
    assert [c.text for c in codes] == ["TSG T7001-2009", "GB/T 228.1"]
    assert find_codes("2024/11/05 的订单") == []


def test_every_catalogue_code_round_trips():
    for code in CATALOGUE:
        assert canonical(code) == code


def _retype(code: str, data) -> str:
    """Type a code the way people do: full-width, dash variants, spaces dropped or added, lower case."""
    out = code
    if data.draw(st.booleans()):
        out = out.lower()
    if data.draw(st.booleans()):
        out = out.replace(" ", "")
    dash = data.draw(st.sampled_from(["-", "—", "－", "–", "‐"]))
    out = out.replace("-", dash) if ":" not in out else out
    if data.draw(st.booleans()):
        out = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in out)
    return data.draw(st.sampled_from(["", " ", "\u3000"])) + out + data.draw(st.sampled_from(["", " "]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CATALOGUE), st.data())
def test_any_typing_of_a_catalogue_code_canonicalises_to_it(code, data):
    assert canonical(_retype(code, data)) == code


@given(st.text(max_size=60))
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(st.text(max_size=60))
def test_canonical_is_idempotent(text):
    assert canonical(canonical(text)) == canonical(text)


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd", "Zs", "Pd"]), max_size=40))
def test_normalized_text_has_no_full_width_forms(text):
    out = normalize(text)
    assert all(unicodedata.east_asian_width(c) != "F" for c in out)
