"""The one catalogue of what people read: message keys → Chinese text with `{named}` parameters.

Programs keep the stable English error `code` (invalid_input, not_found …); people read `message`, which is always
rendered from this catalogue with `text(key, **params)`. Pydantic's validation errors are translated here too,
by their stable `type`, so a 422 names the field and the problem in Chinese. No message carries a server path or a
CLI flag: the catalogue has none, and `text` refuses a parameter that looks like an absolute path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

CATALOGUE: dict[str, str] = {
    # ---- HTTP and API plumbing ----------------------------------------------------------------------------
    "http.bad_request": "请求格式有误",
    "http.unauthorized": "未提供密钥或密钥无效",
    "http.forbidden": "当前角色无权进行此操作",
    "http.not_found": "接口不存在：{method} {path}",
    "http.method_not_allowed": "该接口不支持 {method} 方法",
    "http.not_acceptable": "无法提供所请求的格式",
    "http.payload_too_large": "请求内容过大",
    "http.unsupported_media_type": "不支持的内容类型",
    "http.rate_limited": "请求过于频繁，请稍后再试",
    "http.error": "请求失败（HTTP {status}）",
    "http.body_unreadable": "请求内容无法按 JSON（UTF-8）读取",
    "http.internal": "服务器内部错误，已记录日志",
    # what a person reads when an error's own message cannot be shown (it named a server path, say)
    "error.qi_error": "处理失败",
    "error.invalid_input": "输入有误",
    "error.payload_too_large": "内容过大",
    "error.not_found": "所请求的记录不存在",
    "error.conflict": "当前状态下不能进行此操作",
    "error.ingest_rejected": "部分数据未通过校验，未导入",
    "error.unauthorized": "未提供密钥或密钥无效",
    "error.forbidden": "当前角色无权进行此操作",
    "error.origin_not_allowed": "该来源不允许使用此密钥",
    "error.rate_limited": "请求过于频繁，请稍后再试",
    "error.unavailable": "服务暂不可用",
    "error.index_unavailable": "检索索引暂不可用，请工作人员重建索引",
    "error.index_mismatch": "检索索引与当前配置不一致，请工作人员重建索引",
    "validation.one": "{field}：{problem}",
    "validation.many": "共 {count} 处输入有误：{first}",
    # ---- keys, roles, limits ------------------------------------------------------------------------------
    "auth.key_required": "需要 API 密钥（请求头 X-API-Key）",
    "auth.key_unknown": "密钥不存在或已被吊销",
    "auth.forbidden_anonymous": "匿名访问者无权使用此接口",
    "auth.forbidden_role": "“{role}”角色无权使用此接口",
    "auth.origin_not_allowed": "该小部件密钥不允许在来源 {origin} 使用",
    "auth.origin_no_widget": "没有小部件密钥允许此来源",
    "auth.rate_limited": "已达到每分钟 {rate} 次的请求上限，请 {wait} 秒后再试",
    "keys.unknown_role": "未知角色“{role}”，可选：{choices}",
    "keys.widget_needs_origin": "小部件密钥至少需要一个允许的来源网址（如 https://portal.example.cn）",
    "keys.rate_too_low": "请求频率至少为每分钟 1 次",
    "keys.not_origin": "不是有效的来源网址（协议://主机[:端口]）：{origin}",
    "keys.not_found": "密钥 {key_id} 不存在",
    "keys.staff_needs_name": "工作人员密钥需要填写姓名",
    # ---- lookups ------------------------------------------------------------------------------------------
    "lookup.no_agency": "机构 {id} 不存在",
    "lookup.no_expert": "专家 {id} 不存在",
    "lookup.no_equipment": "设备 {id} 不存在",
    "lookup.no_enterprise": "企业 {id} 不存在",
    "lookup.no_job": "任务 {id} 不存在",
    "lookup.not_standard_code": "“{text}”不是标准编号",
    "lookup.no_standard": "标准目录中没有 {code}",
    "region.unknown": "未知地区“{region}”：请填写区、县或市，如 乐亭县",
    # ---- search -------------------------------------------------------------------------------------------
    "search.limit_range": "返回条数须在 {low} 到 {high} 之间",
    "search.offset_range": "偏移量须在 0 到 {high} 之间",
    "search.unknown_target": "未知检索对象“{target}”，可选：{choices}",
    "search.text_empty": "需求描述不能为空",
    "search.text_too_long": "需求描述有 {length} 字，上限 {limit} 字",
    "index.unavailable": "检索索引暂不可用，请工作人员重建索引",
    "index.loading": "检索索引尚未加载完成，请稍后再试",
    "index.mismatch": "检索索引与当前配置不一致，请工作人员重建索引",
    "jobs.busy": "重建索引任务 {id} 仍在进行（{status}）",
    # ---- the demand workflow ------------------------------------------------------------------------------
    "demand.text_empty": "需求描述不能为空",
    "demand.text_too_long": "{field}超过 {limit} 字",
    "demand.unknown_channel": "未知渠道“{channel}”，可选：{choices}",
    "demand.unknown_status": "未知状态“{status}”，可选：{choices}",
    "demand.not_found": "需求 {number} 不存在",
    "demand.station_needs_time": "服务站直接受理需要填写预约时间",
    "demand.agency_needs_id": "派单给机构需要指定机构",
    "demand.agency_unavailable": "机构 {id} 当前状态为“{status}”，不能接单",
    "demand.agency_needs_items": "派单给机构需要至少一项服务事项",
    "demand.note_empty": "跟踪记录不能为空",
    "demand.follow_up_status": "跟踪记录只能把状态改为：{choices}",
    "demand.satisfaction_range": "满意度须为 1 到 5",
    "demand.transition": "需求 {number} 当前为“{status}”，不能{action}",
    "demand.already": "需求 {number} 已有{action}记录",
    "demand.redispatch_needs_reason": "需求 {number} 已派单；改派须填写改派原因",
    "demand.cancel_needs_reason": "取消需求须填写取消原因",
    "demand.bad_sort": "未知排序方式“{sort}”，可选：{choices}",
    "demand.bad_range": "起始日期 {start} 晚于截止日期 {end}",
    "stats.bad_range": "统计起始日期 {start} 晚于截止日期 {end}",
    "time.not_iso": "应为 ISO 8601 日期或时间，如 2026-12-01 或 2026-12-01T09:00",
    # ---- ingest and uploads -------------------------------------------------------------------------------
    "ingest.no_path": "{name}：文件或文件夹不存在",
    "ingest.no_files": "{name}：没有可导入的文件（{kinds}，格式 .jsonl/.csv/.xlsx）",
    "ingest.unsupported": "{name}：不支持的文件类型“{suffix}”，请使用 .jsonl、.csv 或 .xlsx",
    "ingest.unknown_kind": "{name}：无法从文件名判断资料类型，文件名须以 {kinds} 之一开头",
    "ingest.not_utf8": "{name}：不是 UTF-8 编码的文本",
    "ingest.bad_csv": "{name}：CSV 格式错误（第 {line} 行附近：{problem}）",
    "ingest.bad_xlsx": "{name}：不是可读取的 Excel 文件",
    "ingest.rejected": "{name}：{count} 行未通过校验，整个文件未导入",
    "ingest.empty": "{name}：文件中没有数据行",
    "ingest.row": "第 {row} 行：{reason}",
    "ingest.bad_json": "不是有效的 JSON（{problem}）",
    "ingest.bad_json_list": "不是 JSON 列表（{problem}）",
    "ingest.unknown_region": "未知地区“{region}”",
    "ingest.unknown_agency": "{field} 指向不存在的机构 {id}",
    "ingest.unknown_enterprise": "{field} 指向不存在的企业 {id}",
    "upload.too_large": "文件超过上传上限（{limit} 字节）",
    "upload.unsupported": "不支持的文件类型“{suffix}”，请上传 .jsonl、.csv 或 .xlsx 文件",
    # ---- exports ------------------------------------------------------------------------------------------
    "print.no_font": "服务器未安装中文字体，暂不能生成 PDF（请管理员运行安装步骤）",
    "export.too_many": "导出行数 {count} 超过上限 {limit}，请缩小筛选范围",
}

# Pydantic's stable error `type` → Chinese; `{…}` come from the error's `ctx`.
VALIDATION: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "应为有效的 UTF-8 文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "list_type": "应为列表",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON",
    "date_type": "应为日期",
    "date_parsing": "应为日期，如 2026-12-01",
    "date_from_datetime_parsing": "应为日期，如 2026-12-01",
    "date_from_datetime_inexact": "应为日期（不含时刻）",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为日期时间，如 2026-12-01T09:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-12-01T09:00",
    "value_error": "取值无效",
    "assertion_error": "取值无效",
    "none_required": "应为空",
    "union_tag_invalid": "类型不正确",
    "is_instance_of": "类型不正确",
    "bytes_type": "应为文件",
    "url_parsing": "应为网址",
}

FIELDS: dict[str, str] = {
    "text": "需求描述", "channel": "渠道", "enterprise_id": "企业编号", "region": "区县", "contact_person": "联系人",
    "contact_phone": "联系电话", "limit": "条数", "offset": "偏移量", "as_of": "日期", "mode": "派单方式",
    "agency_id": "机构", "service_items": "服务事项", "scheduled_at": "服务时间", "period_days": "周期（天）",
    "note": "记录", "status": "状态", "satisfaction": "满意度", "comment": "意见", "reason": "原因", "q": "关键词",
    "target": "检索对象", "file": "文件", "number": "档案号", "sort": "排序", "date_from": "起始日期",
    "date_to": "截止日期", "category": "领域", "agency": "机构", "credit_code": "统一社会信用代码",
    "request": "请求", "query": "查询参数", "path": "路径参数", "header": "请求头", "body": "请求体",
    "from": "起始日期", "to": "截止日期", "enterprise": "企业",
}

_PATH = re.compile(r"(^|[\s'\"(（:：])/(?:[\w.\-]+/)+[\w.\-]*")
_CLI_FLAG = re.compile(r"(^|\s)--[a-z][a-z\-]+")


def text(key: str, **params: Any) -> str:
    """The Chinese message for `key` with its parameters filled in."""
    template = CATALOGUE[key]
    return template.format(**{k: _safe(v) for k, v in params.items()})


def _safe(value: Any) -> str:
    """A parameter as people read it: lists joined with 、, and never an absolute server path."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(str(v) for v in value)
    s = str(value)
    return _PATH.sub(lambda m: m.group(1) + "（路径已隐去）", s)


def leaks(message: str) -> bool:
    """True when a message shows an absolute server path or a command-line flag (tests and the error handler)."""
    return bool(_PATH.search(message) or _CLI_FLAG.search(message))


def for_people(code: str, message: str) -> str:
    """The message an HTTP client may see: `message` itself, or the catalogue's line for `code` when the message
    is not Chinese or shows a server path or a command-line flag (those stay in the server log)."""
    if has_chinese(message) and not leaks(message):
        return message
    return CATALOGUE.get(f"error.{code}", CATALOGUE["error.qi_error"])


def has_chinese(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


def field_name(loc: Iterable[Any]) -> str:
    """`("body", "service_items", 0)` → `服务事项[0]`; the request part is dropped when a field is named."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    if not parts:
        parts = list(loc)[:1] or ["request"]
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + FIELDS.get(str(p), str(p))
    return out


def validation_problem(error: Mapping[str, Any]) -> str:
    """One pydantic error in Chinese, from its `type` and `ctx`."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    template = VALIDATION.get(kind)
    if template is None:
        return "取值无效"
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace(" or ", "、").replace("'", "")
    if kind == "value_error" and has_chinese(str(ctx.get("error", ""))):
        return str(ctx["error"])
    try:
        return template.format(**{k: _safe(v) for k, v in ctx.items()})
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：:") or "取值无效"


def validation_message(errors: list[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """A 422's message and details from pydantic's error list."""
    details = [text("validation.one", field=field_name(e.get("loc", ())), problem=validation_problem(e))
               for e in errors]
    if not details:
        return text("http.bad_request"), []
    if len(details) == 1:
        return details[0], details
    return text("validation.many", count=len(details), first="；".join(details[:3])), details
