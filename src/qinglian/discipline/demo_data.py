"""The texts of the discipline demo: reports as people write them, clues as discipline inspection registers them.

Each clue names the branch of the person reported (a cadre of that branch is picked deterministically), where it
came from, how many days ago it arrived, and the path it took (`path`, read by demo.py). The paths cover every
disposal state, two closed cases with sanctions, an open case transferred to judicial organs, a repeated report,
a referral and a report not accepted, so that the four-forms statistics have something under every form.
"""

from __future__ import annotations

# Reports filed on the portal that are still with intake (not registered as clues).
PORTAL_INBOX = [
    {
        "key": "new_anonymous",
        "days_ago": 2,
        "branch": "procurement",
        "category": "four_winds",
        "subject_post": "副处长",
        "text": "11月中旬，政府采购管理处一名副处长在工作日中午带两名供应商到单位附近的私房菜馆吃饭，"
        "喝的是茅台，结账时由供应商付款。当天下午其中一家供应商参加了该处组织的采购需求论证会。",
    },
    {
        "key": "acknowledged_realname",
        "days_ago": 9,
        "branch": "review",
        "category": "work",
        "subject_post": "科长",
        "text": "财政投资评审中心某科长对我公司报送的工程结算资料一拖再拖，三个月没有出评审意见，"
        "多次暗示“找人打个招呼”。我们按程序报送，材料齐全，请求依规处理。",
        "identity": {"name": "孙建平", "phone": "13907311234", "unit": "江州市宏达建设工程有限公司"},
        "reply": "您反映的情况已收到，我们正在了解核实，请保存好相关材料，如有补充可凭查询码继续提交。",
    },
    {
        "key": "not_accepted",
        "days_ago": 40,
        "branch": "it",
        "category": "other",
        "subject_post": "",
        "text": "我家小区物业费收得太高，物业公司服务差，请财政局管一管。",
        "not_accepted": "所反映的物业服务收费问题不属于纪检监察机关受理范围，建议向住房和城乡建设部门或街道反映。",
    },
]

# Clues: where they came from and the path each took.
CLUES = [
    {
        "key": "portal_clarified",
        "source": "portal",
        "days_ago": 150,
        "branch": "treasury",
        "category": "integrity",
        "summary": "网上举报反映国库处一名干部在国库集中支付审核中收受代理银行赠送的购物卡。",
        "report_text": "国库处有干部在审核集中支付时，收了代理银行客户经理送的购物卡，金额大概两千元，"
        "时间是今年春节前。希望组织查一查。",
        "path": ["inquiry_letter", "reply", "report:clarified"],
    },
    {
        "key": "portal_repeat_original",
        "source": "portal",
        "days_ago": 60,
        "branch": "procurement",
        "category": "integrity",
        "summary": "反映政府采购管理处一名科长在办公设备采购项目中向特定供应商透露预算和评分细节，事后接受宴请。",
        "report_text": "采购处一名科长在今年办公设备采购中，提前把预算金额和评分细则透露给一家供应商，"
        "项目结束后还接受了这家供应商的宴请。",
        "identity": {"name": "钱晓东", "phone": "13807315678", "unit": "江州市某办公设备公司"},
        "path": ["plan", "verifying"],
    },
    {
        "key": "portal_repeat",
        "source": "portal",
        "days_ago": 20,
        "branch": "procurement",
        "category": "integrity",
        "repeat_of": "portal_repeat_original",
        "summary": "反映政府采购管理处一名科长在办公设备采购中向特定供应商泄露预算和评分细则，并接受该供应商宴请。",
        "report_text": "政府采购管理处那个科长，在办公设备采购项目里把预算和评分细则泄露给了一家供应商，"
        "事后还接受人家宴请，请纪委调查。",
        "path": ["repeat"],
    },
    {
        "key": "letter_reminder",
        "source": "letter",
        "days_ago": 200,
        "branch": "tax",
        "category": "work",
        "summary": "来信反映税政处一名干部在办理企业税收优惠政策咨询时态度生硬、推诿扯皮。",
        "identity": {"name": "周红梅", "phone": "0731-8523xxxx", "address": "江州市芙蓉路188号"},
        "path": ["inquiry_talk", "report:reminder"],
    },
    {
        "key": "visit_shelved",
        "source": "visit",
        "days_ago": 120,
        "branch": "payment",
        "category": "integrity",
        "summary": "来访反映国库支付中心一名干部的亲属经营的公司承接了中心的办公用品配送业务，但未提供具体材料。",
        "path": ["shelve"],
        "shelved_days": 45,
    },
    {
        "key": "phone_closed",
        "source": "phone",
        "days_ago": 170,
        "branch": "accounting",
        "category": "life",
        "summary": "12388电话反映会计处一名干部经常在工作时间炒股。经了解反映人所说干部已于去年调离。",
        "path": ["close"],
    },
    {
        "key": "inspection_case_a",
        "source": "inspection",
        "days_ago": 420,
        "branch": "review",
        "category": "integrity",
        "summary": "局党组巡察发现财政投资评审中心一名副主任违规接受评审项目施工单位宴请和礼金共计1.2万元。",
        "path": ["plan", "report:propose_case", "case:closed", "sanctions:party_serious_warning,admin_demerit"],
    },
    {
        "key": "audit_case_b",
        "source": "audit",
        "days_ago": 300,
        "branch": "procurement",
        "category": "integrity",
        "summary": "审计发现政府采购管理处一名处长在某信息化项目中干预评标，中标单位为其同学控制的企业。",
        "path": [
            "plan",
            "report:propose_case",
            "case:closed",
            "sanctions:party_removal,admin_demotion",
            "rectification",
        ],
    },
    {
        "key": "referral_case_c",
        "source": "referral",
        "days_ago": 110,
        "branch": "payment",
        "category": "duty_crime",
        "summary": "上级纪委交办：国库支付中心一名科长涉嫌利用审核支付的职务便利，收受多家供应商财物共计30余万元。",
        "path": ["plan", "report:propose_case", "case:review", "judicial"],
    },
    {
        "key": "supervision_admonishment",
        "source": "supervision",
        "days_ago": 140,
        "branch": "general",
        "category": "four_winds",
        "summary": "日常监督发现综合处一名副处长多次违规使用公务用车办理私事。",
        "path": ["inquiry_talk", "report:admonishment"],
    },
    {
        "key": "supervision_criticism",
        "source": "supervision",
        "days_ago": 95,
        "branch": "office",
        "category": "four_winds",
        "summary": "日常监督发现办公室在年度工作会议筹备中超标准布置会场、印制材料，存在形式主义问题。",
        "path": ["inquiry_talk", "report:criticism"],
    },
    {
        "key": "supervision_referred",
        "source": "supervision",
        "days_ago": 12,
        "branch": "it",
        "category": "work",
        "summary": "反映财政信息中心外包运维公司人员在驻场期间违规收取其他单位费用，属于该公司内部管理问题。",
        "path": ["refer"],
    },
    {
        "key": "letter_proposed",
        "source": "letter",
        "days_ago": 8,
        "branch": "budget",
        "category": "organisational",
        "summary": "来信反映预算处一名干部在个人有关事项报告中未如实报告配偶经商情况。",
        "path": ["propose:talk_inquiry"],
    },
    {
        "key": "letter_inquiry_overdue",
        "source": "letter",
        "days_ago": 45,
        "branch": "supervision",
        "category": "integrity",
        "summary": "来信反映监督评价局一名干部在绩效评价项目中为其亲属所在的会计师事务所争取业务。",
        "path": ["inquiry_letter_overdue"],
    },
    {
        "key": "phone_registered",
        "source": "phone",
        "days_ago": 3,
        "branch": "accounting",
        "category": "masses",
        "summary": "电话反映会计处在代理记账机构年检中对部分机构吃拿卡要。",
        "path": [],
    },
]
