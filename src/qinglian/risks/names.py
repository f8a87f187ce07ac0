"""Chinese company names and unified social credit codes, for the conflict-of-interest check.

A registered company name is 行政区划 + 字号 + 行业 + 组织形式 (北京 + 恒信达 + 科技 + 有限公司), the place also
written after the trade name in brackets (恒信达科技（北京）有限公司). People declare the same company in different
ways, so names are compared by a key: `normalise_company` folds full-width characters, drops punctuation,
bracketed places and organisational forms, and leading places, and keeps the trade name and industry
(恒信达科技). `company_core` splits the key into the trade name (字号) and the industry words.

Similarity (`similarity`, 0..1) is 0.8 × the Dice coefficient of the trade names' character bigrams + 0.2 × the
Dice coefficient of the industries' characters. Bigrams make one added, dropped or changed character in a short
trade name count heavily (恒信 vs 恒信达: 0.67), which is what keeps look-alike but different companies apart;
the industry weighs less because people write it loosely (信息技术 / 信息科技), and when one side leaves it out it
counts half. With the rule's threshold of 0.85, two names must have the same or nearly the same trade name and a
compatible industry to be listed.

The unified social credit code (GB 32100-2015) has 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O,
S, V, Z); the last is a check character computed from the first 17.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import NamedTuple

from django.utils.translation import gettext as _

# --- places ---------------------------------------------------------------------------------------------------

# Provincial-level divisions: short name -> the full forms people write.
PROVINCES = {
    "北京": ("北京市",), "天津": ("天津市",), "上海": ("上海市",), "重庆": ("重庆市",),
    "河北": ("河北省",), "山西": ("山西省",), "辽宁": ("辽宁省",), "吉林": ("吉林省",), "黑龙江": ("黑龙江省",),
    "江苏": ("江苏省",), "浙江": ("浙江省",), "安徽": ("安徽省",), "福建": ("福建省",), "江西": ("江西省",),
    "山东": ("山东省",), "河南": ("河南省",), "湖北": ("湖北省",), "湖南": ("湖南省",), "广东": ("广东省",),
    "海南": ("海南省",), "四川": ("四川省",), "贵州": ("贵州省",), "云南": ("云南省",), "陕西": ("陕西省",),
    "甘肃": ("甘肃省",), "青海": ("青海省",), "台湾": ("台湾省",),
    "内蒙古": ("内蒙古自治区",), "广西": ("广西壮族自治区", "广西自治区"), "西藏": ("西藏自治区",),
    "宁夏": ("宁夏回族自治区", "宁夏自治区"), "新疆": ("新疆维吾尔自治区", "新疆自治区"),
    "香港": ("香港特别行政区",), "澳门": ("澳门特别行政区",),
}  # fmt: skip

# Major cities and the province they belong to (two names in different places can still be the same province).
CITIES = {
    "石家庄": "河北", "唐山": "河北", "保定": "河北", "邯郸": "河北", "秦皇岛": "河北", "廊坊": "河北",
    "沧州": "河北", "邢台": "河北", "张家口": "河北", "承德": "河北", "衡水": "河北",
    "太原": "山西", "大同": "山西", "沈阳": "辽宁", "大连": "辽宁", "鞍山": "辽宁", "长春": "吉林",
    "哈尔滨": "黑龙江", "大庆": "黑龙江", "齐齐哈尔": "黑龙江",
    "南京": "江苏", "苏州": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "徐州": "江苏",
    "扬州": "江苏", "镇江": "江苏", "盐城": "江苏", "泰州": "江苏", "连云港": "江苏", "淮安": "江苏",
    "杭州": "浙江", "宁波": "浙江", "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "湖州": "浙江",
    "金华": "浙江", "台州": "浙江", "义乌": "浙江", "合肥": "安徽", "芜湖": "安徽",
    "福州": "福建", "厦门": "福建", "泉州": "福建", "南昌": "江西", "赣州": "江西",
    "济南": "山东", "青岛": "山东", "烟台": "山东", "潍坊": "山东", "淄博": "山东", "临沂": "山东",
    "济宁": "山东", "威海": "山东", "郑州": "河南", "洛阳": "河南", "开封": "河南",
    "武汉": "湖北", "宜昌": "湖北", "襄阳": "湖北", "长沙": "湖南", "株洲": "湖南", "湘潭": "湖南",
    "广州": "广东", "深圳": "广东", "珠海": "广东", "佛山": "广东", "东莞": "广东", "中山": "广东",
    "惠州": "广东", "汕头": "广东", "南宁": "广西", "桂林": "广西", "柳州": "广西", "海口": "海南", "三亚": "海南",
    "成都": "四川", "绵阳": "四川", "贵阳": "贵州", "昆明": "云南", "西安": "陕西", "兰州": "甘肃",
    "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆", "拉萨": "西藏", "呼和浩特": "内蒙古", "包头": "内蒙古",
}  # fmt: skip


def _place_forms() -> dict[str, str]:
    """Every written form of a place -> its province."""
    forms = {}
    for short, full in PROVINCES.items():
        forms[short] = short
        for form in full:
            forms[form] = short
        if short in ("北京", "天津", "上海", "重庆"):
            forms[short + "市"] = short
        else:
            forms.setdefault(short + "省", short)
    for city, province in CITIES.items():
        forms[city] = province
        forms[city + "市"] = province
    return forms


PLACES = _place_forms()
PLACE_LENGTHS = sorted({len(form) for form in PLACES}, reverse=True)
# A county or district written after a place (北京市海淀区…): dropped with it when the rest stays a name.
DISTRICT = re.compile(r"^[\u4e00-\u9fff]{2,3}?[区县]")
# A place not in the lists, known by its suffix (江州市…, 安吉县…), or a short name in brackets (…（江州）有限公司).
OTHER_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,3}?[市县]")
NOT_PLACES = frozenset({"市政", "市场", "县域"})  # 恒信达市政工程 is not the city of 恒信达
BRACKET_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,3}[市县区]?$")

# --- organisational forms and industries ------------------------------------------------------------------------

FORMS = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "总公司", "分公司", "子公司",
    "公司", "集团", "个人独资企业", "独资企业", "合伙企业", "有限合伙", "普通合伙", "特殊普通合伙", "专业合作社",
    "合作社", "企业", "工作室", "经营部", "门市部", "营业部", "办事处", "代表处", "分店", "分厂", "总厂", "分行",
    "支行", "分部", "商行", "厂", "店",
)  # fmt: skip
# Forms that mark a branch, after which the branch's place is written (恒信达科技有限公司北京分公司).
BRANCH_FORMS = frozenset({"分公司", "分店", "分厂", "分行", "支行", "分部", "办事处", "代表处", "营业部", "经营部"})
FORM_LENGTHS = sorted({len(form) for form in FORMS}, reverse=True)
FORM_SET = frozenset(FORMS)

_INDUSTRY_WORDS = """
    科技 技术 信息 信息技术 信息科技 网络 网络科技 软件 电子 数码 通信 通讯 智能 数据 大数据 互联网 计算机 系统 集成
    系统集成 贸易 商贸 经贸 工贸 进出口 国际贸易 实业 投资 控股 发展 管理 企业管理 咨询 顾问 服务 商务 商业
    建设 建筑 工程 建筑工程 建设工程 土木 市政 路桥 水利 安装 装饰 装修 设计 规划 园林 绿化 景观 劳务 劳务派遣
    房地产 房地产开发 置业 地产 物业 物业管理 开发 医药 医疗 医疗器械 器械 生物 制药 药业 健康 设备 机械 机电
    电气 电力 能源 新能源 环保 环境 节能 化工 材料 新材料 钢铁 金属 五金 汽车 汽车销售 运输 物流 货运 供应链
    快递 仓储 文化 传媒 文化传媒 广告 印刷 出版 教育 培训 农业 食品 餐饮 农产品 养殖 种植 林业 牧业 办公用品
    办公设备 家具 文具 用品 日用品 百货 人力资源 保安 安保 清洁 保洁 家政 租赁 旅游 旅行社 酒店 宾馆 事务所
    会计师事务所 律师事务所 评估 检测 监理 造价 招标 代理 金融 担保 保险 证券 纺织 服装 服饰 鞋业 电器 家电 照明
    光电 仪器 仪表 石油 燃气 水务 热力 销售 制造 加工 生产 供应 批发 零售 电梯 消防 安防 工业 能源科技
    饭店 商店 书店 药店 花店 便利店 门店 超市 加工厂 印刷厂 修理厂
"""
INDUSTRIES = frozenset(_INDUSTRY_WORDS.split())
INDUSTRY_LENGTHS = sorted({len(word) for word in INDUSTRIES}, reverse=True)

BRACKETED = re.compile(r"[(\[{【〔［｛<《](.*?)[)\]}】〕］｝>》]")
# Letters, digits and CJK stay; everything else (spaces, punctuation, symbols, the middle dot) goes.
DROP = re.compile(r"[^0-9A-Z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

MIN_TRADE = 2  # a trade name keeps at least two characters, whatever is stripped around it

TRADE_WEIGHT = 0.8
UNKNOWN_INDUSTRY = 0.5  # one side wrote no industry: neither agreement nor disagreement


class Core(NamedTuple):
    """A company name reduced to what identifies it: trade name (字号), industry words, and the province named."""

    trade: str
    industry: str
    region: str = ""

    @property
    def key(self) -> str:
        return self.trade + self.industry


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name or "").upper().strip()


def _bracket_drops(content: str) -> bool:
    """A bracketed part that says where or what kind the company is, not who it is: a place (one of ours, or any
    short name — brackets in a registered name hold the place or the form), or an organisational form."""
    text = DROP.sub("", content)
    if not text or text in PLACES or text in FORM_SET or _strip_forms(text)[0] == "":
        return True
    return bool(BRACKET_PLACE.match(text)) and text not in INDUSTRIES


def _strip_forms(text: str) -> tuple[str, bool]:
    """Organisational forms taken off the end (and a branch's place before its form); (rest, was a branch)."""
    branch = False
    changed = True
    while changed:
        changed = False
        for length in FORM_LENGTHS:
            if len(text) > length and text[-length:] in FORM_SET:
                if len(text) - length < MIN_TRADE or _ends_with_industry(text, length):
                    continue
                branch = branch or text[-length:] in BRANCH_FORMS
                text = text[:-length]
                changed = True
                break
            if len(text) == length and text in FORM_SET:
                return "", branch
        if branch:
            for length in PLACE_LENGTHS:
                if len(text) - length >= MIN_TRADE and text[-length:] in PLACES:
                    text = text[:-length]
                    changed = True
                    break
    return text, branch


def _ends_with_industry(text: str, form_length: int) -> bool:
    """Whether the form at the end is the tail of an industry word (酒店, 印刷厂), which stays."""
    return any(length > form_length and text[-length:] in INDUSTRIES for length in INDUSTRY_LENGTHS)


def _split_industry(key: str) -> tuple[str, str]:
    """(trade name, industry): industry words peeled off the end, longest first, leaving a trade name."""
    rest = key
    while len(rest) > MIN_TRADE:
        for length in INDUSTRY_LENGTHS:
            if len(rest) - length >= MIN_TRADE and rest[-length:] in INDUSTRIES:
                rest = rest[:-length]
                break
        else:
            break
    return rest, key[len(rest) :]


def _strip_places(text: str) -> tuple[str, str]:
    """Leading places (广东省深圳市…) taken off while a trade name is left; (rest, the first place's province)."""
    region = ""
    stripped = True
    while stripped:
        stripped = False
        for length in PLACE_LENGTHS:
            head = text[:length]
            if len(text) > length and head in PLACES:
                break
        else:
            other = OTHER_PLACE.match(text)
            head = other.group(0) if other and text[other.end() - 1 : other.end() + 1] not in NOT_PLACES else ""
        if not head:
            break
        rest = text[len(head) :]
        district = DISTRICT.match(rest) if head.endswith("市") else None
        if district and _keeps_trade(rest[district.end() :]):
            rest = rest[district.end() :]
        if _keeps_trade(rest):
            # Only the listed places say which province; another one is dropped but compares with nothing.
            region = region or PLACES.get(head, "")
            text = rest
            stripped = True
    return text, region


def _keeps_trade(rest: str) -> bool:
    """Whether a name without its leading place still has a trade name of its own (not 科技 alone)."""
    trade, _industry = _split_industry(rest)
    return len(rest) >= MIN_TRADE and rest not in INDUSTRIES and len(trade) >= MIN_TRADE


def company_core(name: str) -> Core:
    """A company name's trade name (字号) and industry, with the province it names (prefix or bracket), if any."""
    text = _fold(name)
    region = ""
    kept = []
    position = 0
    for found in BRACKETED.finditer(text):
        kept.append(text[position : found.start()])
        content = found.group(1)
        if _bracket_drops(content):
            place = DROP.sub("", content)
            region = region or PLACES.get(place, "")
        else:
            kept.append(content)
        position = found.end()
    kept.append(text[position:])
    text = DROP.sub("", "".join(kept))
    text, _branch = _strip_forms(text)
    text, prefix_region = _strip_places(text)
    trade, industry = _split_industry(text)
    return Core(trade, industry, prefix_region or region)


def normalise_company(name: str) -> str:
    """The key two ways of writing the same company share: trade name and industry, without place or form.

    "北京恒信达科技有限公司", "恒信达科技（北京）有限公司" and "北京恒信达科技有限责任公司" all give "恒信达科技".
    """
    return company_core(name).key


def company_region(name: str) -> str:
    """The province a company name names (北京, 广东 for 深圳), or ""."""
    return company_core(name).region


def split_key(key: str) -> tuple[str, str]:
    """A key's trade name and industry (the key is already normalised)."""
    return _split_industry(key)


# --- similarity -------------------------------------------------------------------------------------------------


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a trade name (a one-character name is its own only token)."""
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def dice(a: frozenset | set, b: frozenset | set) -> float:
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def industry_similarity(a: str, b: str) -> float:
    """Dice coefficient of the industries' characters (as multisets); half when only one side has one."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return UNKNOWN_INDUSTRY
    common = sum((Counter(a) & Counter(b)).values())
    return 2 * common / (len(a) + len(b))


def core_similarity(trade_a: str, industry_a: str, trade_b: str, industry_b: str) -> float:
    if trade_a == trade_b and industry_a == industry_b:
        return 1.0
    trade = 1.0 if trade_a == trade_b else dice(bigrams(trade_a), bigrams(trade_b))
    return TRADE_WEIGHT * trade + (1 - TRADE_WEIGHT) * industry_similarity(industry_a, industry_b)


def similarity(a: str, b: str) -> float:
    """How alike two company names are, 0..1, after normalising both (see the module's docstring)."""
    core_a, core_b = company_core(a), company_core(b)
    if not core_a.key or not core_b.key:
        return 0.0
    return round(core_similarity(core_a.trade, core_a.industry, core_b.trade, core_b.industry), 4)


def trade_threshold(min_similarity: float) -> float:
    """The least trade-name similarity that can still reach `min_similarity` (industries agreeing fully)."""
    return max((min_similarity - (1 - TRADE_WEIGHT)) / TRADE_WEIGHT, 0.05)


# --- unified social credit codes ---------------------------------------------------------------------------------

CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_VALUES = {character: value for value, character in enumerate(CODE_CHARACTERS)}
CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CODE_LENGTH = 18


def normalise_credit_code(code: str) -> str:
    """Full-width folded, upper case, without spaces or hyphens (as people copy it from a licence)."""
    return re.sub(r"[\s\-]", "", _fold(code))


def credit_code_check_character(first17: str) -> str:
    """The 18th character for these 17 (GB 32100-2015: 31 − Σ value × weight mod 31, 31 written 0)."""
    total = sum(CODE_VALUES[c] * w for c, w in zip(first17, CODE_WEIGHTS, strict=True))
    return CODE_CHARACTERS[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str:
    """What is wrong with a unified social credit code, in words for the person who typed it; "" when valid."""
    code = normalise_credit_code(code)
    if not code:
        return _("The unified social credit code is empty.")
    if len(code) != CODE_LENGTH:
        return _("A unified social credit code has 18 characters; this one has {n}.").format(n=len(code))
    wrong = sorted({c for c in code if c not in CODE_VALUES}, key=code.index)
    if wrong:
        return _(
            "“{characters}” cannot appear in a unified social credit code: it uses the digits and the capital "
            "letters except I, O, S, V and Z."
        ).format(characters="".join(wrong))
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return _(
            "The check character (the 18th) should be “{expected}”, not “{found}”: a character is mistyped "
            "(GB 32100-2015)."
        ).format(expected=expected, found=code[17])
    return ""


def credit_code_valid(code: str) -> bool:
    return not credit_code_error(code)


def credit_code_make(first17: str) -> str:
    """A valid code from its first 17 characters (for demo data and tests)."""
    first17 = normalise_credit_code(first17)
    return first17 + credit_code_check_character(first17)
