"""Conflict-of-interest checks: rows of the route table.

branch_b keeps a supplier register (one supplier whose name is the secret, and a spare one to remove), the
inspector's checked supplier import, and a finished check that found b1's (王芳's) husband's company in the
register. Only discipline inspection (risks.conflicts: the inspector) sees any of it; everybody else gets 404.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

SUPPLIER = "第二支部恒信达科技有限公司"
FILE = "第二支部供应商名录.xlsx"
REFUSED = (
    "outsider", "member", "secretary", "secretary_b", "office", "discipline", "auditor", "liaison", "admin",
    "manager_a",
)  # fmt: skip


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def world_extend(world) -> None:
    from qinglian.reports.xlsx import Sheet, workbook_bytes
    from qinglian.risks.services.conflicts import check_execute, check_run, supplier_import_upload
    from qinglian.risks.tests.factories_conflicts import business_row, declare, supplier_make

    branch_b, inspector = world.cast.tree.branch_b, world.cast.inspector
    supplier = supplier_make(branch_b, SUPPLIER, legal_representative="李强")
    spare = supplier_make(branch_b, "第二支部待删的供应商有限公司")
    data = workbook_bytes([Sheet("供应商", ["企业名称", "统一社会信用代码"], [["第二支部导入的供应商有限公司", ""]])])
    upload = supplier_import_upload(organisation=branch_b, actor=inspector, name=FILE, data=data)
    declare(world.cast.members["b1"], businesses=[business_row("spouse", "李强", "第二支部恒信达科技有限责任公司")])
    check = check_execute(check=check_run(organisation=branch_b, actor=inspector))
    match = check.found.get()
    world.extra.update(
        risks_conflicts_supplier_b=supplier,
        risks_conflicts_spare_b=spare,
        risks_conflicts_import_b=upload,
        risks_conflicts_check_b=check,
        risks_conflicts_match_b=match,
    )


def _decision(w):
    return {"status": "dismissed", "note": "核实后排除", "version": w.extra["risks_conflicts_match_b"].version}


ROUTES = [
    Route("risks:supplier_list", refused=REFUSED, allowed="inspector", secret=lambda w: SUPPLIER),
    Route("risks:supplier_create", refused=REFUSED, allowed="inspector"),
    Route(
        "risks:supplier_edit", kwargs=_pk("risks_conflicts_supplier_b"), refused=REFUSED, allowed="inspector",
        secret=lambda w: SUPPLIER,
    ),
    Route("risks:supplier_delete", "post", kwargs=_pk("risks_conflicts_spare_b"), refused=REFUSED, allowed="inspector"),
    Route("risks:supplier_template", refused=REFUSED, allowed="inspector"),
    Route("risks:supplier_import", refused=REFUSED, allowed="inspector"),
    Route(
        "risks:supplier_import_detail", kwargs=_pk("risks_conflicts_import_b"), refused=REFUSED, allowed="inspector",
        secret=lambda w: FILE,
    ),
    Route(
        "risks:supplier_import_confirm", "post", kwargs=_pk("risks_conflicts_import_b"), refused=REFUSED,
        allowed="inspector",
    ),
    Route("risks:conflict_check_list", refused=REFUSED, allowed="inspector"),
    Route("risks:conflict_check_run", "post", refused=REFUSED, allowed="inspector"),
    Route(
        "risks:conflict_check_detail", kwargs=_pk("risks_conflicts_check_b"), refused=REFUSED, allowed="inspector",
        secret=lambda w: SUPPLIER,
    ),
    Route(
        "risks:conflict_match_decide", "post", kwargs=_pk("risks_conflicts_match_b"), data=_decision,
        refused=REFUSED, allowed="inspector",
    ),
]  # fmt: skip
