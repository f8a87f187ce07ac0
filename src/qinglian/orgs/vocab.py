"""Fixed vocabularies of the register, with Chinese values and English labels.

The stored value is the official Chinese term where one exists (so exports and imports read as
the ledgers people already keep); labels translate it for English readers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Education(models.TextChoices):
    POSTGRADUATE = "研究生", _("Postgraduate")
    UNDERGRADUATE = "大学本科", _("Undergraduate")
    COLLEGE = "大学专科", _("Junior college")
    SECONDARY_VOCATIONAL = "中专", _("Secondary vocational")
    HIGH_SCHOOL = "高中", _("Senior high school")
    JUNIOR_OR_BELOW = "初中及以下", _("Junior high school or below")


class MemberStatus(models.TextChoices):
    NORMAL = "正常", _("In good standing")
    RETAINED = "保留党籍", _("Membership retained")
    SUSPENDED = "停止党籍", _("Membership suspended")
    RESTORED = "恢复党籍", _("Membership restored")
    LEFT = "出党", _("Left the Party")
    DECEASED = "去世", _("Deceased")
    TRANSFERRED_OUT = "转出", _("Transferred out")


# Statuses under which a person still counts on the branch's register.
ON_REGISTER = (MemberStatus.NORMAL, MemberStatus.RETAINED, MemberStatus.SUSPENDED, MemberStatus.RESTORED)


class CadreLevel(models.TextChoices):
    PROVINCIAL = "省部级", _("Provincial or ministerial")
    BUREAU = "厅局级", _("Bureau level")
    COUNTY = "县处级", _("County or division level")
    TOWNSHIP = "乡科级", _("Township or section level")
    OTHER = "其他", _("Other")


class PartyPost(models.TextChoices):
    SECRETARY = "书记", _("Secretary")
    DEPUTY_SECRETARY = "副书记", _("Deputy secretary")
    ORGANISATION = "组织委员", _("Organisation commissioner")
    PROPAGANDA = "宣传委员", _("Propaganda commissioner")
    DISCIPLINE = "纪检委员", _("Discipline commissioner")
    YOUTH = "青年委员", _("Youth commissioner")
    WOMEN = "妇女委员", _("Women's commissioner")
    MEMBER = "委员", _("Committee member")
    GROUP_LEADER = "党小组长", _("Party group leader")


class DepartmentKind(models.TextChoices):
    OFFICE = "办公室", _("General office")
    PERSONNEL = "组织人事", _("Organisation and personnel")
    DISCIPLINE = "纪检监察", _("Discipline inspection and supervision")
    AUDIT = "审计", _("Audit")
    FINANCE = "财务", _("Finance")
    BUSINESS = "业务处室", _("Business division")
    OTHER = "其他", _("Other")


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("Within the system")
    OUT = "out", _("Out of the system")
    IN = "in", _("Into the system")


class TransferScope(models.TextChoices):
    COMMITTEE = "基层党委内部", _("Within the primary Party committee")
    SYSTEM = "省区市或部门系统内", _("Within the province or the department's system")
    NATIONAL = "全国", _("Nationwide")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the receiving branch")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# The 56 ethnic groups in the order of GB/T 3304, with their English names.
ETHNICITIES = [
    ("汉族", "Han"),
    ("蒙古族", "Mongol"),
    ("回族", "Hui"),
    ("藏族", "Tibetan"),
    ("维吾尔族", "Uyghur"),
    ("苗族", "Miao"),
    ("彝族", "Yi"),
    ("壮族", "Zhuang"),
    ("布依族", "Bouyei"),
    ("朝鲜族", "Korean"),
    ("满族", "Manchu"),
    ("侗族", "Dong"),
    ("瑶族", "Yao"),
    ("白族", "Bai"),
    ("土家族", "Tujia"),
    ("哈尼族", "Hani"),
    ("哈萨克族", "Kazakh"),
    ("傣族", "Dai"),
    ("黎族", "Li"),
    ("傈僳族", "Lisu"),
    ("佤族", "Va"),
    ("畲族", "She"),
    ("高山族", "Gaoshan"),
    ("拉祜族", "Lahu"),
    ("水族", "Sui"),
    ("东乡族", "Dongxiang"),
    ("纳西族", "Naxi"),
    ("景颇族", "Jingpo"),
    ("柯尔克孜族", "Kyrgyz"),
    ("土族", "Tu"),
    ("达斡尔族", "Daur"),
    ("仫佬族", "Mulao"),
    ("羌族", "Qiang"),
    ("布朗族", "Blang"),
    ("撒拉族", "Salar"),
    ("毛南族", "Maonan"),
    ("仡佬族", "Gelao"),
    ("锡伯族", "Xibe"),
    ("阿昌族", "Achang"),
    ("普米族", "Pumi"),
    ("塔吉克族", "Tajik"),
    ("怒族", "Nu"),
    ("乌孜别克族", "Uzbek"),
    ("俄罗斯族", "Russian"),
    ("鄂温克族", "Evenki"),
    ("德昂族", "De'ang"),
    ("保安族", "Bonan"),
    ("裕固族", "Yugur"),
    ("京族", "Gin"),
    ("塔塔尔族", "Tatar"),
    ("独龙族", "Derung"),
    ("鄂伦春族", "Oroqen"),
    ("赫哲族", "Hezhen"),
    ("门巴族", "Monpa"),
    ("珞巴族", "Lhoba"),
    ("基诺族", "Jino"),
]
ETHNICITY_CHOICES = [(zh, zh) for zh, _en in ETHNICITIES]
ETHNICITY_ENGLISH = dict(ETHNICITIES)

# Age bands of the usual Party statistics table: (youngest, oldest, label).
AGE_BANDS = [
    (0, 30, _("30 or younger")),
    (31, 40, "31–40"),
    (41, 50, "41–50"),
    (51, 60, "51–60"),
    (61, 200, _("61 or older")),
]
