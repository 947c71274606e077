"""The network's own pages. Their names are not namespaced ("home", "report"...), as before the
pages had an app of their own; a person's data under the PDPA is namespaced "people"."""

from django.urls import include, path

from . import personal_data_views, views

# Personal data under the PDPA: leaders find a person, export or erase their data, read the log.
people_patterns = [
    path("", personal_data_views.people, name="search"),
    path("log/", personal_data_views.access_log, name="log"),
    path("<int:pk>/", personal_data_views.person_detail, name="detail"),
    path("<int:pk>/personal-data.xlsx", personal_data_views.person_export, name="export"),
    path("<int:pk>/erase/", personal_data_views.person_erase, name="erase"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("report/codi-report.pdf", views.report_pdf, name="report_pdf"),
    path("report/codi-report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("export/network.xlsx", views.full_export, name="full_export"),
    path("people/", include((people_patterns, "people"))),
]
