"""Study and education's API: one router per area, mounted under /api/v1/study/."""

from ninja import Router

from qinglian.study.api import bank, exams, hours, library, me, practice, programmes, take

router = Router()
for area in (me, library, programmes, hours, bank, exams, take, practice):
    router.add_router("", area.router)
