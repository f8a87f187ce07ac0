"""Study and education's pages: each area's views module lists its own URL patterns."""

from qinglian.study.views import bank, exams, hours, library, me, practice, programmes, take

app_name = "study"

urlpatterns = [
    *me.urls,
    *library.urls,
    *programmes.urls,
    *hours.urls,
    *bank.urls,
    *exams.urls,
    *take.urls,
    *practice.urls,
]
