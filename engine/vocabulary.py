"""The station's controlled vocabularies: what may be searched, what kinds of agencies, categories, services and
qualifications the records use. Ingest validates against these; search, the CLI and the API offer them."""

from __future__ import annotations

# Who may call (engine/keys.py PERMISSIONS says what each may do).
ROLES = ("staff", "public", "widget", "enterprise")

# What a search ranks; every target has one ranker (engine/rankers.py) and one index collection.
TARGETS = ("agency", "expert", "equipment", "standard")

# Agency kinds and how they read in Chinese.
KIND_LABELS = {
    "service_station": "质量基础设施一站式服务站",
    "service_workstation": "质量技术服务工作站",
    "legal_metrology": "法定计量检定机构",
    "authorized_metrology": "授权计量检定站",
    "calibration_lab": "计量校准实验室",
    "special_equipment": "特种设备检验机构",
    "ndt_company": "无损检测机构",
    "exam_center": "考试中心",
    "testing_lab": "检验检测机构",
    "vehicle_inspection": "机动车检测站",
    "certification_body": "认证机构",
    "standards_service": "标准化服务机构",
    "quality_consulting": "质量管理咨询机构",
    "brand_consulting": "品牌咨询机构",
    "ip_service": "知识产权服务中心",
    "ip_agency": "知识产权代理机构",
}
AGENCY_KINDS = tuple(KIND_LABELS)


def kind_label(kind: str) -> str:
    """An agency kind in Chinese (the code itself for a kind without a label)."""
    return KIND_LABELS.get(kind, kind)


CATEGORIES = "计量 特种设备 检验检测 认证认可 标准 质量管理 品牌培育 知识产权 创新服务".split()
SERVICES = "检定 校准 检测 检验 认证 咨询 培训 代理 考试 查询".split()
QUALIFICATION_TYPES = "CMA CNAS 计量授权 特种设备检验核准 认证机构批准书 指定认证机构 专利代理机构执业许可".split()

# Record statuses. An agency or instrument not `ACTIVE` is not recommended as it stands.
ACTIVE = "正常"
AGENCY_STATUSES = (ACTIVE, "暂停服务")
EQUIPMENT_STATUSES = (ACTIVE, "维修中", "停用")
STANDARD_STATUSES = ("现行", "即将实施", "废止")
SERVICE_RECORD_STATUSES = ("已完成", "服务中", "已取消")
