"""The words that say what kind of help a demand asks for: domain knowledge of how enterprises phrase requests.

These are closed classes of request words (services, sharing, legality, bringing an item in), not objects: what
an object is and which category it belongs to comes from the knowledge base.
"""

from __future__ import annotations

SERVICE_CUES: dict[str, tuple[str, ...]] = {
    "检定": ("检定", "强检", "强制检定", "年检", "首检", "周检", "送检", "计量"),
    "校准": ("校准", "校验", "标定", "校正", "溯源"),
    "检测": ("检测", "测试", "化验", "测一下", "测定", "试验", "检验报告", "检测报告", "分析", "测"),
    "检验": ("检验", "年检", "定检", "定期检验", "监督检验", "验收"),
    "认证": ("认证", "证书", "体系", "获证", "3c", "ccc", "ce"),
    "咨询": ("咨询", "怎么办", "如何", "怎么", "指导", "辅导", "手续", "流程", "要求", "帮助", "建立", "导入", "对标"),
    "培训": ("培训", "学习", "宣贯", "讲座"),
    "考试": ("考试", "考证", "报名", "取证", "拿证"),
    "代理": ("申请", "注册", "代理", "申报"),
    "查询": ("查询", "查一下", "有效", "作废", "现行"),
}
SHARING_CUES = ("共享", "借用", "借", "租", "开放", "对外", "预约使用", "自己测")
LEGAL_CUES = ("强检", "强制检定", "贸易结算", "执法", "监管要求", "法定")
# The enterprise brings the item to the agency (送检): the agency's distance matters less than for on-site work.
BRING_IN_CUES = ("送检", "送去", "送到", "拿去", "拿到", "寄过去", "寄到", "邮寄", "送过去", "带过去")
# Uses that make an instrument's verification mandatory, and the everyday words that reveal each use.
USE_CUES: dict[str, tuple[str, ...]] = {
    "贸易结算": ("贸易结算", "结算", "计价", "收费", "卖", "收购", "买卖", "称重收费", "过磅", "斤两", "缺斤短两",
                "计费", "交易"),
    "安全防护": ("安全", "防护", "报警", "泄漏", "防爆", "压力容器", "锅炉"),
    "医疗卫生": ("医院", "诊所", "医疗", "卫生院", "体检", "病人"),
    "环境监测": ("环境监测", "排放", "在线监测", "环保", "污染", "烟气"),
    "行政执法": ("执法", "监管部门", "检查组", "市场监管局"),
}
# Where the demand says what the enterprise wants to do itself (想自己测X): instruments, not agencies.
SELF_MEASURE_CUES = ("自己测", "自己检", "自己做", "自测", "自己量", "自己化验", "自检")
# Seams of a multi-part demand ("…；另外…", "…，还有…").
PART_SEAMS = ("；", ";", "另外", "还有", "同时还", "此外", "以及", "顺便")
# A service word alone suggests a category when nothing else does (检定 is metrology, 认证 certification …).
SERVICE_CATEGORY = {"检定": "计量", "校准": "计量", "认证": "认证认可", "考试": "特种设备", "代理": "知识产权"}
# Services a domain person treats as one for products (检验 / 检测 of a product is the same job).
EQUIVALENT_SERVICES = (frozenset({"检验", "检测"}),)
