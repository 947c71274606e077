from django.urls import path

from . import views

app_name = "housing"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_new, name="new"),
    path("households.xlsx", views.household_xlsx, name="xlsx"),
    path("import/", views.household_import, name="import"),
    path("import/confirm/", views.household_import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, {"kind": "xlsx"}, name="import_template_xlsx"),
    path("import/template.csv", views.import_template, {"kind": "csv"}, name="import_template_csv"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/steps/", views.step_new, name="step"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals.xlsx", views.proposal_list_xlsx, name="proposals_xlsx"),
    path("proposals/<int:pk>/households/", views.proposal_households, name="proposal_households"),
    path(
        "proposals/<int:pk>/households/<int:household_pk>/remove/",
        views.proposal_household_remove,
        name="proposal_household_remove",
    ),
    path("proposals/<int:pk>/budget/", views.proposal_budget, name="proposal_budget"),
    path(
        "proposals/<int:pk>/budget/<int:line_pk>/remove/", views.proposal_budget_remove, name="proposal_budget_remove"
    ),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/proposal.pdf", views.proposal_pdf, name="proposal_pdf"),
    path("proposals/<int:pk>/proposal.xlsx", views.proposal_xlsx, name="proposal_xlsx"),
]
