from django.urls import path

from . import views

app_name = "housing"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_new, name="new"),
    path("households.xlsx", views.household_xlsx, name="xlsx"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/steps/", views.step_new, name="step"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/proposal.pdf", views.proposal_pdf, name="proposal_pdf"),
    path("proposals/<int:pk>/proposal.xlsx", views.proposal_xlsx, name="proposal_xlsx"),
]
