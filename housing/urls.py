from django.urls import path

from . import views

app_name = "housing"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_new, name="new"),
    path("households.xlsx", views.household_xlsx, name="xlsx"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/steps/", views.step_new, name="step"),
]
